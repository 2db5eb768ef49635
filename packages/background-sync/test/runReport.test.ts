import { describe, expect, it } from 'vitest';
import { decideOutcome, type PhaseReport, sumCounts } from '../src/runReport';

const done = (name: PhaseReport['name']): PhaseReport => ({ name, status: 'done' });
const stopped = (
  name: PhaseReport['name'],
  stopCause: PhaseReport['stopCause'],
  reason: string,
): PhaseReport => ({
  name,
  status: 'stopped',
  stopCause,
  reason,
});

describe('decideOutcome', () => {
  it('is completed when no phase stopped', () => {
    expect(
      decideOutcome([done('preflight'), done('crud'), { name: 'photos', status: 'skipped', reason: 'x' }]),
    ).toEqual({
      outcome: 'completed',
    });
  });

  it('takes the cause of highest precedence, with its reason', () => {
    expect(
      decideOutcome([
        stopped('crud', 'deadline', 'late'),
        stopped('photos', 'server_unavailable', 'HTTP 503'),
      ]),
    ).toEqual({ outcome: 'server_unavailable', reason: 'HTTP 503' });
    expect(
      decideOutcome([stopped('crud', 'aborted', 'app_active'), stopped('photos', 'signed_out', 'no user')]),
    ).toEqual({ outcome: 'signed_out', reason: 'no user' });
  });

  it('an unexpected failure beats everything', () => {
    expect(decideOutcome([stopped('crud', 'signed_out', 'x')], 'TypeError: boom').outcome).toBe('failed');
  });
});

describe('sumCounts', () => {
  it('sums both CRUD steps under crud.* and keeps other phases apart', () => {
    expect(
      sumCounts([
        { name: 'crud', status: 'done', counts: { requests: 2, applied: 10 } },
        { name: 'photos', status: 'done', counts: { uploaded: 3, bytes: 900 } },
        { name: 'crud_after_photos', status: 'done', counts: { requests: 1, applied: 3 } },
      ]),
    ).toEqual({ 'crud.requests': 3, 'crud.applied': 13, 'photos.uploaded': 3, 'photos.bytes': 900 });
  });
});
