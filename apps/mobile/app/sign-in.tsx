// Sign-in: Clerk (email + password) when a publishable key is configured, otherwise the server's
// dev auth (POST /dev/session) with a user and an organization id.
import { useSignIn } from '@clerk/clerk-expo';
import { Redirect, useRouter } from 'expo-router';
import { useState } from 'react';
import { ScrollView, Text } from 'react-native';
import { useSession } from '../components/SessionProvider';
import { Button, Field, styles } from '../components/ui';
import { devSignIn } from '../services/auth/devSession';
import { authMode } from '../services/auth/session';
import { appConfig } from '../services/config';

/** Runs one sign-in attempt at a time, keeping its error for the form. */
function useAttempt(run: () => Promise<void>) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await run();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, submit };
}

function ClerkSignIn({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const { signIn, setActive, isLoaded } = useSignIn();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, submit } = useAttempt(async () => {
    if (!isLoaded) return;
    const attempt = await signIn.create({ identifier: email.trim(), password });
    if (attempt.status !== 'complete' || !attempt.createdSessionId) {
      throw new Error(`sign-in needs another step (${attempt.status ?? 'unknown'})`);
    }
    await setActive({ session: attempt.createdSessionId });
    await onSignedIn();
  });
  return (
    <>
      <Field label="Email" value={email} onChangeText={setEmail} keyboardType="email-address" />
      <Field label="Password" value={password} onChangeText={setPassword} secureTextEntry />
      {error ? <Text style={styles.error}>{error}</Text> : null}
      <Button title="Sign in" onPress={submit} disabled={busy || !isLoaded || !email || !password} />
    </>
  );
}

function DevSignIn({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const [user, setUser] = useState('user_dev');
  const [org, setOrg] = useState('org_dev');
  const { error, busy, submit } = useAttempt(async () => {
    await devSignIn({ user: user.trim(), org: org.trim() });
    await onSignedIn();
  });
  return (
    <>
      <Text style={styles.muted}>
        Dev sign-in against {appConfig().apiUrl} (no Clerk key configured). The server must run with dev auth.
      </Text>
      <Field label="User id" value={user} onChangeText={setUser} />
      <Field label="Organization id" value={org} onChangeText={setOrg} />
      {error ? <Text style={styles.error}>{error}</Text> : null}
      <Button title="Sign in (dev)" onPress={submit} disabled={busy || !user.trim() || !org.trim()} />
    </>
  );
}

export default function SignInScreen() {
  const { system, refresh } = useSession();
  const router = useRouter();
  if (system) return <Redirect href="/" />;
  const onSignedIn = async () => {
    await refresh();
    router.replace('/');
  };
  return (
    <ScrollView contentContainerStyle={styles.screen}>
      {authMode() === 'clerk' ? (
        <ClerkSignIn onSignedIn={onSignedIn} />
      ) : (
        <DevSignIn onSignedIn={onSignedIn} />
      )}
    </ScrollView>
  );
}
