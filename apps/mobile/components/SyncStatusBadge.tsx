// The one sync status line, in the header of every signed-in screen; it leads to the Sync screen.
import { Link } from 'expo-router';
import { Text } from 'react-native';
import type { SyncTone } from '../services/sync/syncStatus';
import { useSyncStatus } from './SyncStatusProvider';

const TONE_COLORS: Record<SyncTone, string> = {
  ok: '#1f7a3a',
  waiting: '#1f5eff',
  offline: '#666',
  attention: '#b00020',
};

export function SyncStatusBadge() {
  const { status } = useSyncStatus();
  return (
    <Link href="/sync" testID="sync-status">
      <Text style={{ color: TONE_COLORS[status?.tone ?? 'waiting'], fontWeight: '600' }}>
        {status?.label ?? 'Sync'}
      </Text>
    </Link>
  );
}
