// The Sync screen's content: the one sync status (what waits, what needs the technician, the last
// successful sync, offline), why background sync cannot run, the failed photos and rejected
// changes by job with Retry, photos by state, the last runs (killed ones too), and the photo
// settings. Actions on the screen come in as callbacks; the issues list acts on the system itself.
import type { PhotoSettings, SyncOverview } from '@vhd/background-sync';
import { useEffect, useState } from 'react';
import { Switch, Text, View } from 'react-native';
import type { SyncStatus } from '../services/sync/syncStatus';
import { BackgroundWarnings } from './BackgroundWarnings';
import { SyncIssuesList } from './SyncIssuesList';
import { Button, Field, Section, styles } from './ui';

export const PHOTO_STATES = ['QUEUED_UPLOAD', 'UPLOADING', 'SYNCED', 'FAILED'] as const;

const STATE_LABELS: Record<(typeof PHOTO_STATES)[number], string> = {
  QUEUED_UPLOAD: 'Queued',
  UPLOADING: 'Uploading',
  SYNCED: 'Uploaded',
  FAILED: 'Failed',
};

export interface SyncOverviewActions {
  onRetryAllFailed(): void;
  onSyncNow(): void;
  onChangeSettings(change: Partial<PhotoSettings>): void;
  /** Dev builds only: runs the background task body now, in this process. */
  onTriggerBackgroundWorker?: () => void;
  onSignOut(): void;
}

export function formatTime(ms: number | null): string {
  return ms === null ? 'never' : new Date(ms).toLocaleString();
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function SyncOverviewView(props: {
  overview: SyncOverview;
  status: SyncStatus;
  settings: PhotoSettings;
  syncing: boolean;
  message?: string | null;
  actions: SyncOverviewActions;
}) {
  const { overview, status, settings, syncing, actions } = props;
  const [keepDays, setKeepDays] = useState('');
  useEffect(() => {
    setKeepDays(settings.deleteOriginalsAfterDays === null ? '' : String(settings.deleteOriginalsAfterDays));
  }, [settings.deleteOriginalsAfterDays]);
  const keepDaysValid = keepDays.trim() === '' || /^\d{1,4}$/.test(keepDays.trim());

  return (
    <View style={styles.screen}>
      <Section title="Status">
        <Text testID="status-label" style={{ fontWeight: '600' }}>
          {status.label}
        </Text>
        <Text testID="pending-changes">Pending changes: {status.pendingChanges}</Text>
        <Text testID="pending-photos">Photos waiting: {status.pendingPhotos}</Text>
        <Text testID="last-success">Last successful sync: {formatTime(status.lastSuccessfulSyncAt)}</Text>
        <Text style={styles.muted}>Last download: {formatTime(overview.lastDownloadAt)}</Text>
        {status.online ? null : (
          <Text testID="offline" style={styles.muted}>
            Offline: your work is kept on this phone and sent when the network is back.
          </Text>
        )}
        {props.message ? <Text style={styles.muted}>{props.message}</Text> : null}
        <BackgroundWarnings />
        <Button
          testID="sync-now"
          title={syncing || overview.activeRunId ? 'Syncing…' : 'Sync now'}
          disabled={syncing}
          onPress={actions.onSyncNow}
        />
        {actions.onTriggerBackgroundWorker ? (
          <Button
            testID="trigger-worker"
            kind="plain"
            title="Run the background task now (dev, in-process)"
            onPress={actions.onTriggerBackgroundWorker}
          />
        ) : null}
      </Section>

      <Section title={`Needs you (${status.failedPhotos + status.rejectedChanges})`}>
        <SyncIssuesList />
        {status.failedPhotos > 1 ? (
          <Button kind="plain" title="Retry all failed photos" onPress={actions.onRetryAllFailed} />
        ) : null}
      </Section>

      <Section title="Photos">
        {PHOTO_STATES.map((state) => (
          <Text key={state} testID={`photos-${state}`}>
            {STATE_LABELS[state]}: {overview.photos.byState[state] ?? 0}
          </Text>
        ))}
      </Section>

      <Section title="Last runs">
        {overview.lastRuns.length === 0 ? <Text style={styles.muted}>No runs yet.</Text> : null}
        {overview.lastRuns.map((run) => {
          const running = run.id === overview.activeRunId;
          const duration = run.finishedAt === null ? null : run.finishedAt - run.startedAt;
          return (
            <View key={run.id} testID={`run-${run.id}`}>
              <Text>
                {formatTime(run.startedAt)} · {run.trigger} · {running ? 'running' : (run.outcome ?? '—')}
                {duration === null ? '' : ` · ${formatDuration(duration)}`}
              </Text>
              {run.report?.reason || run.error ? (
                <Text style={styles.muted}>{run.report?.reason ?? run.error}</Text>
              ) : null}
            </View>
          );
        })}
      </Section>

      <Section title="Settings">
        <View style={styles.row}>
          <Text>Upload photos on Wi-Fi only</Text>
          <Switch
            testID="wifi-only"
            value={settings.wifiOnly}
            onValueChange={(wifiOnly) => actions.onChangeSettings({ wifiOnly })}
          />
        </View>
        <Field
          label="Delete local photos this many days after upload (empty: keep)"
          value={keepDays}
          onChangeText={setKeepDays}
          keyboardType="number-pad"
          testID="keep-days"
        />
        {keepDaysValid ? null : <Text style={styles.error}>Enter a whole number of days.</Text>}
        <Button
          kind="plain"
          title="Save"
          disabled={!keepDaysValid}
          onPress={() =>
            actions.onChangeSettings({
              deleteOriginalsAfterDays: keepDays.trim() === '' ? null : Number(keepDays.trim()),
            })
          }
        />
      </Section>

      <Button kind="danger" title="Sign out" onPress={actions.onSignOut} />
    </View>
  );
}
