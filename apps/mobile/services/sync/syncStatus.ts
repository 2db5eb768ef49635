// One sync status for every screen: what is waiting, what needs the technician, when sync last
// worked, whether the phone is offline — and the one short line that says it.
import type { SyncOverview } from '@vhd/background-sync';

export type SyncTone = 'ok' | 'waiting' | 'attention' | 'offline';

export interface SyncStatus {
  online: boolean;
  syncing: boolean;
  pendingChanges: number;
  /** Queued or uploading. */
  pendingPhotos: number;
  failedPhotos: number;
  rejectedChanges: number;
  lastSuccessfulSyncAt: number | null;
  tone: SyncTone;
  /** E.g. "Offline · 3 waiting · 1 needs you", "Syncing…", "Up to date". */
  label: string;
}

export function summarizeSync(overview: SyncOverview, online: boolean): SyncStatus {
  const byState = overview.photos.byState;
  const pendingPhotos = (byState.QUEUED_UPLOAD ?? 0) + (byState.UPLOADING ?? 0);
  const failedPhotos = byState.FAILED ?? 0;
  const rejectedChanges = overview.rejections.total;
  const waiting = overview.pendingChanges + pendingPhotos;
  const problems = failedPhotos + rejectedChanges;
  const syncing = overview.activeRunId !== null;
  const parts: string[] = [];
  if (!online) parts.push('Offline');
  else if (syncing) parts.push('Syncing…');
  if (waiting > 0) parts.push(`${waiting} waiting`);
  if (problems > 0) parts.push(`${problems} ${problems === 1 ? 'needs' : 'need'} you`);
  if (parts.length === 0) parts.push('Up to date');
  const tone: SyncTone = problems > 0 ? 'attention' : !online ? 'offline' : waiting > 0 ? 'waiting' : 'ok';
  return {
    online,
    syncing,
    pendingChanges: overview.pendingChanges,
    pendingPhotos,
    failedPhotos,
    rejectedChanges,
    lastSuccessfulSyncAt: overview.lastSuccessfulSyncAt,
    tone,
    label: parts.join(' · '),
  };
}
