// Screens that need a signed-in user; signed out → the sign-in screen. Every one of them shows the
// same sync status in its header (SyncStatusProvider).
import { Redirect, Stack } from 'expo-router';
import { ActivityIndicator, View } from 'react-native';
import { SessionErrorView } from '../../components/SessionErrorView';
import { useSession } from '../../components/SessionProvider';
import { SyncStatusBadge } from '../../components/SyncStatusBadge';
import { SyncStatusProvider } from '../../components/SyncStatusProvider';

export default function SignedInLayout() {
  const { status, system } = useSession();
  if (status === 'loading') {
    return (
      <View style={{ flex: 1, alignItems: 'center', justifyContent: 'center' }}>
        <ActivityIndicator />
      </View>
    );
  }
  if (status === 'error') return <SessionErrorView />;
  if (!system) return <Redirect href="/sign-in" />;
  return (
    <SyncStatusProvider system={system}>
      <Stack screenOptions={{ headerRight: () => <SyncStatusBadge /> }}>
        <Stack.Screen name="index" options={{ title: 'Schedules' }} />
        <Stack.Screen name="schedules/[id]" options={{ title: 'Schedule' }} />
        <Stack.Screen name="invoices/[id]" options={{ title: 'Invoice' }} />
        <Stack.Screen name="sync" options={{ title: 'Sync', headerRight: () => null }} />
      </Stack>
    </SyncStatusProvider>
  );
}
