// The demo in a short configuration: the whole system on embedded defaults ends consistent.
import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/demo/runDemo';

describe('demo', () => {
  it('runs a short shift of two technicians and ends with a clean consistency report', async () => {
    const result = await runDemo({
      technicians: 2,
      photos: 2,
      platform: 'mixed',
      link: 'none',
      seed: 3,
      hours: 2,
      photoSize: 'small',
    });
    const problems = result.report.checks.flatMap((c) => c.problems.map((p) => `${c.name}: ${p}`));
    expect(problems).toEqual([]);
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
    // Every check looked at something, and the OS ran the background task on both platforms.
    for (const c of result.report.checks) expect(c.checked, c.name).toBeGreaterThan(0);
    const background = result.devices.flatMap((d) => d.runs.filter((r) => r.trigger === 'background'));
    expect(new Set(background.map((r) => r.device)).size).toBe(2);
    expect(result.devices.map((d) => d.platform).sort()).toEqual(['android', 'ios']);
  }, 150_000);
});
