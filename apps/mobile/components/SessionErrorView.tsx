// Shown when the session could not load: what went wrong, that it retries by itself, and the
// two ways out (retry now, sign out). Nothing on the device is lost either way.
import { useState } from 'react';
import { Text, View } from 'react-native';
import { signOut } from '../services/background/signOut';
import { useSession } from './SessionProvider';
import { Button, styles } from './ui';

export function SessionErrorView() {
  const { error, refresh } = useSession();
  const [busy, setBusy] = useState(false);
  const [signOutError, setSignOutError] = useState<string | null>(null);
  const run = (fn: () => Promise<void>) => async () => {
    setBusy(true);
    try {
      await fn();
    } finally {
      setBusy(false);
    }
  };
  return (
    <View style={[styles.screen, { flex: 1, justifyContent: 'center' }]}>
      <Text style={styles.sectionTitle}>Could not open your data</Text>
      <Text style={styles.error}>{error}</Text>
      <Text style={styles.muted}>
        Usually no network yet. The app tries again when the network comes back; your work on this device is
        safe.
      </Text>
      <Button testID="session-retry" title="Try again" disabled={busy} onPress={run(refresh)} />
      <Button
        testID="session-sign-out"
        kind="plain"
        title="Sign out"
        disabled={busy}
        onPress={run(async () => {
          setSignOutError(null);
          try {
            await signOut();
          } catch (e) {
            setSignOutError(`Could not sign out: ${e instanceof Error ? e.message : String(e)}`);
          }
          await refresh();
        })}
      />
      {signOutError ? <Text style={styles.error}>{signOutError}</Text> : null}
    </View>
  );
}
