/**
 * The report in a real browser: headless Chromium (Debian's, driven by playwright-core, which
 * downloads no browser) opens report.html from disk and checks that every figure rendered with
 * a size, that nothing was logged as an error, that nothing was fetched, and that the page
 * fits a narrow screen; it leaves a screenshot in the test's temporary folder.
 *
 * Without a browser the test is skipped locally, but fails on CI (`CI=true`), where .ci/run
 * installs Chromium: a skipped browser test there would hide a broken report.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../src/report/index.js';
import type { ExperimentResults } from '../../src/search/results.js';
import { bostonLike, fakeTiming, wineLike } from '../helpers/fake-results.js';

/** Where the browser is: `PRUNUS_CHROMIUM`, else Debian's package. */
const CHROMIUM = process.env.PRUNUS_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_BROWSER = existsSync(CHROMIUM);
const IN_CI = process.env.CI === 'true';

/** Flags that work in containers and keep the browser from calling home. */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe.skipIf(!HAVE_BROWSER && !IN_CI)('report.html in headless Chromium', () => {
  let work: string;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    if (!HAVE_BROWSER)
      throw new Error(`Chromium not found at ${CHROMIUM}; with CI=true the browser test must run, not be skipped (install it: apt-get install chromium, as .ci/run does, or set PRUNUS_CHROMIUM)`);
    work = mkdtempSync(join(tmpdir(), 'prunus-report-e2e-'));
    // A fresh profile per run (launchPersistentContext is how playwright takes --user-data-dir).
    context = await chromium.launchPersistentContext(join(work, 'profile'), { executablePath: CHROMIUM, args: FLAGS, viewport: { width: 1280, height: 900 } });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    // Keep the reports and screenshots for a person to look at; drop the browser profile.
    if (work !== undefined) rmSync(join(work, 'profile'), { recursive: true, force: true });
  });

  /** Opens a freshly written report, recording console errors, page errors and every request. */
  async function open(name: string, results: ExperimentResults): Promise<{ page: Page; figures: number; errors: string[]; requests: string[]; file: string }> {
    const written = writeReport(join(work, name), results, fakeTiming(results));
    const page = await context!.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    const file = pathToFileURL(written.html).href;
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => {
      if (r.url() !== file) requests.push(r.url());
    });
    await page.goto(file, { waitUntil: 'load' });
    return { page, figures: written.figures.length, errors, requests, file };
  }

  it.each([
    ['wine', wineLike()],
    ['boston', bostonLike()],
  ])('%s: every figure renders with a size, with no console errors and no requests', async (name, results) => {
    const { page, figures, errors, requests } = await open(name, results);
    const boxes = await page.$$eval('figure svg', (svgs) =>
      svgs.map((svg) => {
        const r = svg.getBoundingClientRect();
        const figure = svg.closest('figure')!.getBoundingClientRect();
        return { id: svg.closest('figure')!.id, width: r.width, height: r.height, overflow: r.right - figure.right };
      }),
    );
    expect(boxes).toHaveLength(figures);
    for (const b of boxes) {
      expect(b.width, b.id).toBeGreaterThan(300);
      expect(b.height, b.id).toBeGreaterThan(100);
      expect(b.overflow, `${b.id} sticks out of its card`).toBeLessThanOrEqual(0.5);
    }
    // Text is laid out as text (a missing font or a broken element would give no boxes).
    const textBoxes = await page.$$eval('figure svg text', (texts) => texts.filter((t) => (t as unknown as { getBBox(): { width: number } }).getBBox().width > 0).length);
    expect(textBoxes).toBeGreaterThan(figures * 10);
    const screenshot = join(work, `${name}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(existsSync(screenshot)).toBe(true);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    console.log(`report screenshot: ${screenshot}`);
    await page.close();
  }, 120_000);

  it('fits a phone-width screen without scrolling sideways', async () => {
    const { page } = await open('narrow', wineLike());
    await page.setViewportSize({ width: 400, height: 800 });
    // The tsconfig has no DOM types: describe the two browser globals this needs.
    const { scroll, inner } = await page.evaluate(() => {
      const g = globalThis as unknown as { document: { documentElement: { scrollWidth: number } }; innerWidth: number };
      return { scroll: g.document.documentElement.scrollWidth, inner: g.innerWidth };
    });
    expect(scroll).toBeLessThanOrEqual(inner);
    await page.screenshot({ path: join(work, 'narrow.png'), fullPage: true });
    await page.close();
  }, 120_000);
});
