import { describe, expect, it } from 'vitest';
import { planTrial } from '../src/trials/trialPlan';

describe('planTrial', () => {
  it('is a function of the seed alone (a failing trial replays from its seed)', () => {
    expect(planTrial(42)).toEqual(planTrial(42));
    expect(planTrial(42)).not.toEqual(planTrial(43));
  });

  it('draws well-formed plans', () => {
    for (let seed = 0; seed < 300; seed++) {
      const p = planTrial(seed);
      expect(p.sessions.length).toBeGreaterThanOrEqual(p.invoiceConflict ? 2 : 1);
      expect(p.photos.length).toBeLessThanOrEqual(3);
      if (p.deletedPhotoFile) expect(p.photos.length).toBeGreaterThan(0);
      for (const s of p.sessions) {
        expect(s.budgetMs).toBeGreaterThanOrEqual(3_000);
        // A photo kill point names a photo the trial takes.
        if (s.kill.kind === 'point' && s.kill.point !== 'afterServerApplied') {
          expect(s.kill.nth).toBeLessThanOrEqual(p.photos.length);
        }
      }
    }
  });

  it('covers every kind of fault and kill over a few hundred seeds', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 300; seed++) {
      for (const s of planTrial(seed).sessions) {
        for (const f of s.faults) seen.add(f.kind === 'gateway' ? `${f.route}:${f.fault.kind}` : f.kind);
        seen.add(s.kill.kind === 'point' ? s.kill.point : s.kill.kind);
      }
    }
    for (const kind of [
      'upload:status',
      'upload:dropAnswer',
      'sign:status',
      'media:status',
      'media:dropAnswer',
      'upload:hang',
      'health:status',
      'token:status',
      'sync:status',
      'linkReset',
      'blackhole',
      'offline',
      'instant',
      'afterServerApplied',
      'afterStoreSaved',
      'midPhotoUpload',
    ]) {
      expect(seen, kind).toContain(kind);
    }
  });
});
