// The Sync screen: what the background sync has done and has left, with the user's controls.
// Sync errors never raise alerts (silent retry); this screen is where they are seen. The status is
// the one every screen shows (SyncStatusProvider).
import { BUDGET_MS, type PhotoSettings } from '@vhd/background-sync';
import { BackgroundTaskResult } from 'expo-background-task';
import { useRouter } from 'expo-router';
import { useCallback, useEffect, useState } from 'react';
import { Alert, ScrollView, Text } from 'react-native';
import { runBackgroundSyncTaskForTesting } from '../services/background/BackgroundSync';
import { pendingWork, signOut } from '../services/background/signOut';
import { useSession, useSystem } from './SessionProvider';
import { SyncOverviewView } from './SyncOverviewView';
import { useSyncStatus } from './SyncStatusProvider';
import { styles } from './ui';

export function SyncScreen() {
  const system = useSystem();
  const { refresh: refreshSession } = useSession();
  const router = useRouter();
  const { overview, status, error, refresh: refreshStatus } = useSyncStatus();
  const [settings, setSettings] = useState<PhotoSettings | null>(null);
  const [syncing, setSyncing] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      setSettings(await system.queue.getSettings());
    } catch (e) {
      setMessage(`Could not read the photo settings: ${String(e)}`);
    }
    await refreshStatus();
  }, [system, refreshStatus]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const act = (what: string, fn: () => Promise<unknown>) => async () => {
    try {
      await fn();
    } catch (e) {
      setMessage(`${what} failed: ${String(e)}`);
    }
    await refresh();
  };

  const syncNow = act('Sync', async () => {
    setSyncing(true);
    setMessage(null);
    try {
      const report = await system.sync.runBackgroundSync({ budgetMs: BUDGET_MS.manual, trigger: 'manual' });
      setMessage(`Last manual sync: ${report.outcome}${report.reason ? ` (${report.reason})` : ''}`);
    } finally {
      setSyncing(false);
    }
  });

  const doSignOut = async () => {
    try {
      await signOut();
    } catch (e) {
      // Clerk could not sign out (offline): nothing was closed, the user stays signed in.
      setMessage(`Sign-out failed: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    await refreshSession();
    router.replace('/sign-in');
  };
  const confirmSignOut = act('Sign-out', async () => {
    const pending = await pendingWork();
    if (pending.changes === 0 && pending.photos === 0) return doSignOut();
    Alert.alert(
      'Unsent work',
      `${pending.changes} changes and ${pending.photos} photos have not reached the server. They stay on this ` +
        'device and are sent after you sign in again as the same user; nothing syncs until then.',
      [
        { text: 'Stay signed in', style: 'cancel' },
        { text: 'Sign out', style: 'destructive', onPress: () => void doSignOut() },
      ],
    );
  });

  if (!overview || !status || !settings) {
    return <Text style={[styles.screen, styles.muted]}>{message ?? error ?? 'Loading…'}</Text>;
  }
  return (
    <ScrollView>
      <SyncOverviewView
        overview={overview}
        status={status}
        settings={settings}
        syncing={syncing}
        message={message}
        actions={{
          onRetryAllFailed: () => void act('Retry', () => system.queue.retryAllFailed())(),
          onSyncNow: () => void syncNow(),
          onChangeSettings: (change) =>
            void act('Saving settings', () => system.queue.updateSettings(change))(),
          onSignOut: () => void confirmSignOut(),
          ...(__DEV__
            ? {
                onTriggerBackgroundWorker: () =>
                  void act('Trigger', async () => {
                    const result = await runBackgroundSyncTaskForTesting();
                    setMessage(
                      result === BackgroundTaskResult.Success
                        ? 'Background task body ran (see Last runs)'
                        : 'Background task body failed (see Last runs)',
                    );
                  })(),
              }
            : {}),
        }}
      />
    </ScrollView>
  );
}
