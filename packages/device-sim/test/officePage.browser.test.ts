// The office page in a real browser: Debian's Chromium, driven by playwright-core, opens /office on
// the server a short demo shift populated, signs in with the dev form and checks what it shows
// against what the simulator recorded. Saves a screenshot (OFFICE_SCREENSHOT=path to choose where;
// the README's picture is `docs/office-page.png`).
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoResult, runDemo } from '../src/demo/runDemo';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// CI installs Chromium (.ci/run): there the test must run; elsewhere it runs when Chromium is present.
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`CI is set but there is no Chromium at ${CHROMIUM}`);

describe.skipIf(!haveChromium)('the office page in Chromium', () => {
  let demo: DemoResult;
  let browser: Browser;
  beforeAll(async () => {
    demo = await runDemo({
      technicians: 2,
      photos: 2,
      platform: 'mixed',
      link: 'none',
      seed: 3,
      hours: 2,
      photoSize: 'small',
      serve: true,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.office?.close();
  });

  it('shows each technician’s phone with its last sync, background runs, queues and 24 h timeline', async () => {
    expect(demo.ok).toBe(true);
    const office = demo.office!;
    const page = await browser.newPage({ viewport: { width: 1360, height: 600 } });

    // Not signed in: the page is the sign-in form.
    const first = await page.goto(office.url);
    expect(first?.status()).toBe(401);
    await expect(page.locator('form[action="/office/sign-in"]').count()).resolves.toBe(1);

    // The demo's link fills the dev form in; signing in lands on the page.
    await page.goto(office.signInUrl);
    expect(await page.inputValue('#org')).toBe('vhd_demo');
    await Promise.all([page.waitForURL(office.url), page.click('button[type="submit"]')]);
    const html = await page.content();
    expect(html).not.toContain('<script');
    expect(await page.textContent('[data-field="summary"]')).toMatch(
      /^2 technician\(s\), 2 device\(s\), 0 with warnings/,
    );

    for (const device of demo.devices) {
      const row = page.locator(`tbody[data-user="user_${device.name}"]`);
      await expect(row.count()).resolves.toBe(1);
      // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is the text as rendered, what the office sees
      const cell = (field: string) => row.locator(`[data-field="${field}"]`).first().innerText();
      // The demo ends with every queue drained.
      expect(await cell('pending')).toMatch(/^0 changes\s+0 photos$/);
      expect(await cell('device')).toContain(device.platform);
      expect(await cell('capability')).toMatch(/^available/);

      // Every run the phone finished is on the timeline with its outcome; a run killed before it
      // wrote its row cannot be.
      const marks = await row
        .locator('svg.timeline rect')
        .evaluateAll((rects) =>
          rects.map((r) => `${r.getAttribute('data-trigger')}:${r.getAttribute('data-outcome')}`),
        );
      const finished = device.runs.filter((r) => r.report).map((r) => `${r.trigger}:${r.outcome}`);
      const killed = device.runs.length - finished.length;
      expect(marks.length).toBeGreaterThanOrEqual(finished.length);
      expect(marks.length).toBeLessThanOrEqual(device.runs.length);
      expect(marks.filter((m) => !m.endsWith(':killed')).sort()).toEqual(finished.sort());
      expect(marks.filter((m) => m.endsWith(':killed')).length).toBeLessThanOrEqual(killed);

      // The last background run and the last successful sync, on the shift's clock.
      const background = device.runs.filter((r) => r.trigger === 'background' && r.report);
      const lastBackground = background.at(-1);
      expect(lastBackground).toBeDefined();
      const shown = await cell('last-background');
      expect(shown).toContain(lastBackground!.outcome.replace('_', ' '));
      const at = /(\d{4}-\d\d-\d\d) (\d\d:\d\d) UTC/.exec(shown);
      expect(at).not.toBeNull();
      // Shown to the minute, on the server's (the shift's) clock.
      const shownAt = Date.parse(`${at![1]}T${at![2]}:00Z`);
      expect(Math.abs(shownAt - lastBackground!.startedAt)).toBeLessThan(2 * 60_000);
      expect(await cell('last-success')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    }

    // Evaluated in the page (this package has no DOM types).
    const timing = await page.evaluate<{ bytes: number; domContentLoadedMs: number }>(
      `(() => { const n = performance.getEntriesByType('navigation')[0];
        return { bytes: n.transferSize, domContentLoadedMs: n.domContentLoadedEventEnd - n.startTime }; })()`,
    );
    console.info(
      `office page: ${(timing.bytes / 1024).toFixed(1)} kB, DOMContentLoaded ${timing.domContentLoadedMs.toFixed(0)} ms`,
    );
    expect(timing.bytes).toBeLessThan(200 * 1024);

    const shot = process.env.OFFICE_SCREENSHOT
      ? resolve(process.env.OFFICE_SCREENSHOT)
      : join(await mkdtemp(join(tmpdir(), 'vhd-office-')), 'office-page.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.info(`office page screenshot: ${shot}`);
    expect(existsSync(shot)).toBe(true);
  }, 60_000);
});
