// "Are we online?" as a run needs it: the OS says so, and our server answers its health check.
// A captive portal answers with its own page (HTML, a redirect, 511): that counts as offline.
import type { ApiClient } from './apiClient';
import { classify, type Stop } from './failurePolicy';
import type { Connectivity, ConnectivityState } from './ports';
import type { RunBudget } from './runBudget';

export type ConnectivityCheck = { ok: true; state: ConnectivityState } | { ok: false; stop: Stop };

export async function checkConnectivity(opts: {
  connectivity: Connectivity;
  api: ApiClient;
  budget: RunBudget;
  timeoutMs: number;
}): Promise<ConnectivityCheck> {
  const state = await opts.connectivity.getState();
  if (!state.online) return { ok: false, stop: { cause: 'offline', reason: 'the OS reports no network' } };
  const res = await opts.api.get<{ status?: unknown }>('/health', {
    auth: false,
    budget: opts.budget,
    timeoutMs: opts.timeoutMs,
  });
  if (res.ok) {
    if (res.body?.status === 'ok') return { ok: true, state };
    return {
      ok: false,
      stop: { cause: 'offline', reason: 'health check answered by someone else (captive portal?)' },
    };
  }
  const f = res.failure;
  if (f.kind === 'http' && (f.status < 400 || f.status === 511)) {
    return { ok: false, stop: { cause: 'offline', reason: `captive portal? health check got ${f.message}` } };
  }
  return { ok: false, stop: (await classify(f, opts.connectivity)).stop };
}
