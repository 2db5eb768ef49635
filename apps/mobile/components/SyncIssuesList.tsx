// Failed photos and rejected changes, placed on their job (customer, before/after) with a thumbnail
// and a Retry; on the Sync screen each links to its job. Retry of a photo starts its upload over;
// Retry of a change writes the refused values again (for an invoice conflict: keep mine); Dismiss
// accepts the server's version.
import { type ChangeIssue, dismissRejection, type PhotoIssue, retryRejection } from '@vhd/background-sync';
import { useRouter } from 'expo-router';
import { useState } from 'react';
import { Image, Text, View } from 'react-native';
import { useSystem } from './SessionProvider';
import { useSyncStatus } from './SyncStatusProvider';
import { Button, styles } from './ui';

const TABLE_LABELS: Record<string, string> = { schedules: 'Job', invoices: 'Invoice', photos: 'Photo' };

function jobLabel(issue: { customer: string | null; scheduleId: string | null }): string {
  return issue.customer ?? (issue.scheduleId ? 'A job not on this device' : 'No job');
}

export function SyncIssuesList({ scheduleId }: { scheduleId?: string }) {
  const system = useSystem();
  const { issues, refresh } = useSyncStatus();
  const router = useRouter();
  const [message, setMessage] = useState<string | null>(null);
  const onJob = <T extends { scheduleId: string | null }>(list: T[]) =>
    scheduleId === undefined ? list : list.filter((i) => i.scheduleId === scheduleId);
  const photos = onJob(issues.photos);
  const changes = onJob(issues.changes);
  if (photos.length === 0 && changes.length === 0) return null;

  const act = (what: string, fn: () => Promise<unknown>) => async () => {
    setMessage(null);
    try {
      await fn();
    } catch (e) {
      setMessage(`${what} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    await refresh();
  };
  const link = (issue: { scheduleId: string | null }) =>
    scheduleId === undefined && issue.scheduleId ? (
      <Button
        kind="plain"
        title="Open job"
        onPress={() => router.push({ pathname: '/schedules/[id]', params: { id: issue.scheduleId! } })}
      />
    ) : null;

  const photoRow = (p: PhotoIssue) => {
    const uri = system.queue.localFile({ local_path: p.localPath });
    return (
      <View key={p.photoId} style={styles.row} testID={`failed-${p.photoId}`}>
        {uri ? (
          <Image
            testID={`thumb-${p.photoId}`}
            source={{ uri }}
            style={{ width: 48, height: 48, borderRadius: 4 }}
          />
        ) : null}
        <View style={{ flex: 1 }}>
          <Text>
            {jobLabel(p)} · {p.kind ?? 'photo'} photo
          </Text>
          <Text style={styles.error}>
            {p.lastError ?? 'upload failed'} ({p.attempts} attempts)
          </Text>
        </View>
        {link(p)}
        <Button
          testID={`retry-${p.photoId}`}
          title="Retry"
          onPress={act('Retry', () => system.queue.retry(p.photoId))}
        />
      </View>
    );
  };

  const changeRow = (c: ChangeIssue) => (
    <View key={c.id} testID={`rejection-${c.id}`} style={{ gap: 4 }}>
      <Text>
        {jobLabel(c)} · {TABLE_LABELS[c.table ?? ''] ?? c.table ?? 'Change'}{' '}
        {c.op === 'DELETE' ? 'deletion' : 'change'} refused ({c.code})
      </Text>
      <Text style={styles.muted}>{c.message}</Text>
      {Object.keys(c.values).length > 0 ? (
        <Text style={styles.muted}>
          Yours:{' '}
          {Object.entries(c.values)
            .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
            .join(', ')}
        </Text>
      ) : null}
      <View style={styles.row}>
        {link(c)}
        <Button
          testID={`retry-change-${c.id}`}
          title="Retry"
          onPress={act('Retry', async () => {
            const result = await retryRejection(system.db, c.id);
            if (result === 'row_gone')
              setMessage('That record is gone from this device; dismiss the change.');
          })}
        />
        <Button
          testID={`dismiss-${c.id}`}
          kind="plain"
          title="Dismiss"
          onPress={act('Dismiss', () => dismissRejection(system.db, c.id))}
        />
      </View>
    </View>
  );

  return (
    <View style={{ gap: 8 }} testID="sync-issues">
      {photos.map(photoRow)}
      {changes.map(changeRow)}
      {message ? <Text style={styles.error}>{message}</Text> : null}
    </View>
  );
}
