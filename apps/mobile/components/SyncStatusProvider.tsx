// One sync status for every screen of the signed-in user: the engine's overview, the network, the
// sync issues by job and the background-sync warnings (from the device port's background
// capability, the one the sync health report sends), refreshed together so the list badge, the
// job screen and the Sync screen never disagree.
import {
  type BackgroundCapability,
  getSyncIssues,
  type SyncIssues,
  type SyncOverview,
} from '@vhd/background-sync';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { BackgroundSystem } from '../services/background/BackgroundSystem';
import { type BackgroundWarning, backgroundWarnings } from '../services/background/backgroundWarnings';
import { type SyncStatus, summarizeSync } from '../services/sync/syncStatus';

const REFRESH_MS = 2_000;

export interface SyncStatusState {
  overview: SyncOverview | null;
  status: SyncStatus | null;
  issues: SyncIssues;
  warnings: BackgroundWarning[];
  /** Why the state could not be read, if it could not. */
  error: string | null;
  refresh(): Promise<void>;
}

const NO_ISSUES: SyncIssues = { photos: [], changes: [] };

export const SyncStatusContext = createContext<SyncStatusState | null>(null);

export function SyncStatusProvider({ system, children }: { system: BackgroundSystem; children: ReactNode }) {
  const [overview, setOverview] = useState<SyncOverview | null>(null);
  const [online, setOnline] = useState(true);
  const [issues, setIssues] = useState<SyncIssues>(NO_ISSUES);
  const [capability, setCapability] = useState<BackgroundCapability | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      const [next, network, nextIssues, nextCapability] = await Promise.all([
        system.sync.getSyncOverview(),
        system.ports.connectivity.getState(),
        getSyncIssues(system.db),
        system.ports.device?.backgroundCapability() ?? null,
      ]);
      setOverview(next);
      setOnline(network.online);
      setIssues(nextIssues);
      setCapability(nextCapability);
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [system]);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const value = useMemo<SyncStatusState>(() => {
    const status = overview ? summarizeSync(overview, online) : null;
    const device = system.ports.device;
    const warnings =
      device && capability && status
        ? backgroundWarnings(device.platform, capability, {
            waiting: status.pendingChanges + status.pendingPhotos,
            lastSuccessfulSyncAt: status.lastSuccessfulSyncAt,
            now: Date.now(),
          })
        : [];
    return { overview, status, issues, warnings, error, refresh };
  }, [system, overview, online, issues, capability, error, refresh]);

  return <SyncStatusContext.Provider value={value}>{children}</SyncStatusContext.Provider>;
}

export function useSyncStatus(): SyncStatusState {
  const state = useContext(SyncStatusContext);
  if (!state) throw new Error('useSyncStatus: no SyncStatusProvider above this component');
  return state;
}
