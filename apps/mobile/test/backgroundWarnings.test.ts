// When background sync cannot run, the warnings name the cause and the fix, per platform.
import { backgroundWarnings, SILENT_AFTER_MS } from '../services/background/backgroundWarnings';

const now = Date.UTC(2026, 0, 15, 12);
const fine = {
  status: 'available' as const,
  backgroundAppRefresh: null,
  lowPowerMode: false,
  batteryOptimization: false,
  policy: 'on-background',
};
const ids = (w: { id: string }[]) => w.map((x) => x.id);

test('nothing to say when background sync can run', () => {
  const work = { waiting: 3, lastSuccessfulSyncAt: now - 60_000, now };
  expect(backgroundWarnings('ios', fine, work)).toEqual([]);
  expect(backgroundWarnings('android', fine, work)).toEqual([]);
});

test('Android: battery optimisation and Battery Saver, with where to change them', () => {
  const warnings = backgroundWarnings(
    'android',
    { ...fine, lowPowerMode: true, batteryOptimization: true },
    { waiting: 0, lastSuccessfulSyncAt: null, now },
  );
  expect(ids(warnings)).toEqual(['low-power', 'battery-optimization']);
  expect(warnings[0]?.title).toMatch(/Battery Saver/);
  expect(warnings[1]?.fix).toMatch(/Settings → Apps → VHD → Battery → Unrestricted/);
});

test('a restricted device, and work waiting past the silence limit (force-quit, Background App Refresh off)', () => {
  const late = { waiting: 1, lastSuccessfulSyncAt: now - SILENT_AFTER_MS - 1, now };
  const warnings = backgroundWarnings('ios', { ...fine, status: 'restricted' }, late);
  expect(ids(warnings)).toEqual(['restricted', 'silent']);
  expect(warnings[1]?.fix).toMatch(/swipe VHD away/);
  // Nothing waiting: a quiet phone is not a problem.
  expect(ids(backgroundWarnings('ios', fine, { ...late, waiting: 0 }))).toEqual([]);
});
