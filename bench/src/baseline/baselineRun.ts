// BASELINE — a sync run as first planned: CRUD one transaction per request, photos one at a time,
// then the photo confirmations as CRUD. A window stops new work in the first two steps (the
// confirmations of what went are still sent); a budget cuts everything off, in-flight work lost,
// as the OS would.
import type { ApiClient, SyncDatabase } from '@vhd/background-sync';
import type { Meter } from '../device/meter';
import { type BaselineCrudCounts, type BaselineCrudDatabase, baselineCrudUpload } from './baselineCrudUpload';
import { type BaselinePhoto, baselinePhotoUpload } from './baselinePhotoUpload';

export interface BaselineRunResult {
  outcome: 'completed' | 'window' | 'budget' | 'failed';
  crud: BaselineCrudCounts;
  crudMs: number;
  errors: string[];
}

export async function baselineRun(opts: {
  db: SyncDatabase & BaselineCrudDatabase;
  api: ApiClient;
  meter: Meter;
  photos: BaselinePhoto[];
  windowMs?: number;
  budgetMs?: number;
}): Promise<BaselineRunResult> {
  const started = performance.now();
  const until = opts.windowMs === undefined ? undefined : started + opts.windowMs;
  const signal =
    opts.budgetMs === undefined ? new AbortController().signal : AbortSignal.timeout(opts.budgetMs);
  const crud: BaselineCrudCounts = { requests: 0, applied: 0, rejected: 0 };
  const errors: string[] = [];
  let crudMs = 0;
  let windowed = false;

  const crudStep = async (window: number | undefined) => {
    const t = performance.now();
    const end = await baselineCrudUpload({ db: opts.db, api: opts.api, counts: crud, until: window, signal });
    crudMs += performance.now() - t;
    return end;
  };
  const finish = (end: { status: string; reason?: string }): BaselineRunResult => {
    if (signal.aborted) return { outcome: 'budget', crud, crudMs, errors };
    if (end.status === 'failed') return { outcome: 'failed', crud, crudMs, errors: [...errors, end.reason!] };
    return { outcome: windowed ? 'window' : 'completed', crud, crudMs, errors };
  };

  let end = await crudStep(until);
  if (end.status !== 'done' || signal.aborted) {
    windowed = end.status === 'window';
    return finish(end);
  }
  end = await baselinePhotoUpload({ ...opts, until, signal, errors });
  windowed = end.status === 'window';
  if (end.status === 'failed' || signal.aborted) return finish(end);
  // Only the confirmations of the photos that went are left.
  return finish(await crudStep(undefined));
}
