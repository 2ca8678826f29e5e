import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatHtml } from '../../src/report/html.ts';
import { formatsReport } from '../fixtures/report/report.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;
const OTHER_ACCOUNT = '444455556666';

/** Outside CI a missing Chromium skips the browser test; in CI it is a failure, never a silent pass. */
function chromiumAvailable(): boolean {
  const available = existsSync(CHROMIUM);
  if (!available && process.env.CI === 'true')
    throw new Error(
      `${CHROMIUM} is missing (apt-get install chromium): the HTML report cannot be tested in CI`,
    );
  if (!available) console.warn(`${CHROMIUM} is missing: skipping the HTML report's browser test`);
  return available;
}

describe.runIf(chromiumAvailable())('the HTML report in headless Chromium', { timeout: 120_000 }, () => {
  let context: BrowserContext;
  let page: Page;
  let dir: string;
  let pageUrl: string;
  const requests: string[] = [];
  const consoleErrors: string[] = [];

  async function visible(): Promise<Array<Record<string, string>>> {
    return page.locator('.finding:visible').evaluateAll((findings) =>
      findings.map((finding) => ({
        status: finding.getAttribute('data-status') ?? '',
        rule: finding.getAttribute('data-rule') ?? '',
        account: finding.getAttribute('data-account') ?? '',
      })),
    );
  }

  async function filter(name: string, value: string): Promise<void> {
    await page.selectOption(`#filter-${name}`, value);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scanner-html-'));
    const report = formatsReport();
    (report.results[0] as { accountId: string }).accountId = OTHER_ACCOUNT;
    const file = join(dir, 'audit.html');
    writeFileSync(file, formatHtml(report));
    pageUrl = pathToFileURL(file).href;
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 1400 },
    });
    context.on('request', (request) => requests.push(request.url()));
    await context.route(
      (url) => url.protocol !== 'file:',
      (route) => route.abort(),
    );
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    await page.goto(pageUrl);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads with its style and script allowed by its own policy, and requests nothing but itself', async () => {
    // Act
    const shown = await page.textContent('#shown');
    const statusColour = await page.evaluate(
      "getComputedStyle(document.querySelector('.status.FAIL')).backgroundColor",
    );

    // Assess
    expect(shown).toBe('8 of 8 results shown');
    expect(statusColour).toBe('rgb(207, 34, 46)');
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([pageUrl]);
  });

  it('filters the findings by status, severity, rule and account, alone and together', async () => {
    // Act
    await filter('status', 'FAIL');
    const failing = await visible();
    await filter('rule', 'vpc-sagemaker-private-dns');
    const failingDns = await visible();
    await filter('status', '');
    await filter('rule', '');
    await filter('account', OTHER_ACCOUNT);
    const otherAccount = await visible();
    await filter('account', '');
    await filter('severity', 'high');
    const high = await visible();
    await filter('status', 'PASS');
    const shown = await page.textContent('#shown');
    const passing = await visible();
    await filter('severity', '');
    await filter('status', '');

    // Assess
    expect(failing).toHaveLength(6);
    expect(failing.every((finding) => finding.status === 'FAIL')).toBe(true);
    expect(failingDns).toEqual([
      { status: 'FAIL', rule: 'vpc-sagemaker-private-dns', account: '123456789012' },
    ]);
    expect(otherAccount).toEqual([
      { status: 'FAIL', rule: 'iam-principal-presigned-url-source-ip', account: OTHER_ACCOUNT },
    ]);
    expect(high).toHaveLength(8);
    expect(passing).toEqual([{ status: 'PASS', rule: 'vpc-sagemaker-endpoints', account: '123456789012' }]);
    expect(shown).toBe('1 of 8 results shown');
    expect(await visible()).toHaveLength(8);
  });

  it('opens a finding to show its fix and evidence, and keeps a screenshot as a test artifact', async () => {
    // Prepare
    const first = page.locator('.finding').first();

    const evidence = first.locator('pre');
    const hiddenBefore = !(await evidence.isVisible());

    // Act
    await first.locator('summary').click();
    const opened = await first.textContent();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'html-report.png'), fullPage: true });

    // Assess
    expect(opened).toContain(
      'Fix: Add a Deny statement with NotIpAddress aws:SourceIp for the approved ranges.',
    );
    expect(opened).toContain('Evidence:');
    expect(hiddenBefore).toBe(true);
    expect(await evidence.isVisible()).toBe(true);
    expect(existsSync(join(ARTIFACTS, 'html-report.png'))).toBe(true);
    expect(requests).toEqual([pageUrl]);
  });
});
