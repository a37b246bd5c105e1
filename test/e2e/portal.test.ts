/**
 * The admin portal end to end: `wing start` on a fresh state folder (first start loads the demo
 * data), a real Chromium driven by playwright-core, and the administrator's path through the
 * portal: a refused sign-in that changes nothing, then sign-in with a TOTP code, the 24-hour
 * emergency rollback from System Management → Emergency Operations, its live timeline until it
 * completes, the other screens, and Ctrl-C ending the server cleanly.
 *
 * Screenshots of every stage go to test-artifacts/e2e/ (gitignored), at desktop and phone width.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { authenticator } from 'otplib';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, ADMIN_ENV, ROOT, cliEnv, disposeStateFolder, newStateFolder, spawnWing, type RunResult, type SpawnedWing } from '../cli/cli-support.js';

const CHROMIUM = '/usr/lib/chromium/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const ARTIFACTS = join(ROOT, 'test-artifacts', 'e2e');
const PORTAL_LINE = /Portal: (http:\/\/127\.0\.0\.1:\d+\/)/;
const DESKTOP = { width: 1280, height: 900 } as const;
const PHONE = { width: 375, height: 812 } as const;
const TOTP_STEP_MS = 30_000;

let home = '';
let server: SpawnedWing | undefined;
let portalUrl = '';
let browser: Browser | undefined;

// ---------------------------------------------------------------------------------------------
// TOTP codes

/** The code of the step `offset` steps from now (the server accepts one step early or late). */
function codeOfStep(step: number): string {
  return authenticator.clone({ epoch: step * TOTP_STEP_MS }).generate(ADMIN.totpSecret);
}

function currentStep(): number {
  return Math.floor(Date.now() / TOTP_STEP_MS);
}

let lastUsedStep = 0;

/**
 * A code no sign-in used yet, without waiting for a real 30-second step where possible: codes
 * are single-use per step, and the next step's code is accepted already, so the first sign-in
 * takes the next step's code (valid for 30 s or more) and a later one waits only when both the
 * current and the next step are used.
 */
async function freshCode(): Promise<string> {
  for (;;) {
    const now = currentStep();
    const step = [now + 1, now].find((s) => s > lastUsedStep);
    if (step !== undefined) {
      lastUsedStep = step;
      return codeOfStep(step);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** A well-formed code that is none of the codes the server accepts now (each digit shifted). */
function wrongCode(): string {
  const now = currentStep();
  const accepted = new Set([now - 1, now, now + 1, now + 2].map(codeOfStep));
  let code = codeOfStep(now);
  do {
    code = code.replace(/\d/g, (d) => String((Number(d) + 1) % 10));
  } while (accepted.has(code));
  return code;
}

// ---------------------------------------------------------------------------------------------
// The server and the browser

function serverOutput(): string {
  return server ? `--- stdout\n${server.stdout()}\n--- stderr\n${server.stderr()}` : '(no server)';
}

async function waitForPortalUrl(wing: SpawnedWing, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = PORTAL_LINE.exec(wing.stdout());
    if (match?.[1] !== undefined) return match[1];
    if (wing.hasExited()) throw new Error(`wing start exited before it printed the portal's address\n${serverOutput()}`);
    if (Date.now() > deadline) throw new Error(`wing start printed no "Portal: http://127.0.0.1:<port>/" line within ${timeoutMs} ms\n${serverOutput()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface OpenPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught exceptions of the portal's script: there must be none. */
  readonly pageErrors: string[];
}

async function openPortal(): Promise<OpenPage> {
  if (!browser) throw new Error('the browser did not start');
  const context = await browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(portalUrl);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  return { context, page, pageErrors };
}

/**
 * Evaluates an expression in the page. Given as text: this file is type-checked for Node, without
 * the DOM's types.
 */
async function inPage(page: Page, expression: string): Promise<unknown> {
  return page.evaluate<unknown>(expression);
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** At 375 px the page itself must not need horizontal scrolling (wide tables scroll inside). */
async function expectNoHorizontalScrollAtPhoneWidth(page: Page, name: string): Promise<void> {
  await page.setViewportSize(PHONE);
  const scrollWidth = Number(await inPage(page, 'document.documentElement.scrollWidth'));
  await screenshot(page, name);
  expect(scrollWidth, `the page is ${scrollWidth} px wide at 375 px (see ${name}.png)`).toBeLessThanOrEqual(PHONE.width + 1);
  await page.setViewportSize(DESKTOP);
}

async function signIn(page: Page, code: string): Promise<void> {
  await page.getByLabel('Username', { exact: true }).fill(ADMIN.username);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByLabel('Authentication code', { exact: true }).fill(code);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

function rollbackLogs(): string[] {
  const logs = join(home, 'logs');
  return existsSync(logs) ? readdirSync(logs).filter((f) => /^rollback-.*\.log$/.test(f)) : [];
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: the portal's end-to-end test needs it (apt-get install chromium; CI installs it).`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  home = await newStateFolder('wing-e2e-');
  server = spawnWing(['start'], cliEnv(home, { ...ADMIN_ENV }));
  // The first start creates the local environment and the demo data's recovery points.
  portalUrl = await waitForPortalUrl(server, 200_000);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 240_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  if (server && !server.hasExited()) {
    server.child.kill('SIGINT');
    await Promise.race([server.exited, new Promise((r) => setTimeout(r, 30_000))]);
  }
  await disposeStateFolder(home, 'the portal tests');
}, 120_000);

// ---------------------------------------------------------------------------------------------

describe('the admin portal', () => {
  it('a wrong authentication code is shown as an error and changes nothing', async () => {
    const { context, page, pageErrors } = await openPortal();
    try {
      await screenshot(page, '01-sign-in');
      const code = page.getByLabel('Authentication code', { exact: true });
      expect(await code.getAttribute('autocomplete')).toBe('one-time-code');
      expect(await code.getAttribute('inputmode')).toBe('numeric');
      expect(await page.getByLabel('Username', { exact: true }).getAttribute('autocomplete')).toBe('username');
      expect(await page.getByLabel('Password', { exact: true }).getAttribute('autocomplete')).toBe('current-password');

      await signIn(page, wrongCode());
      const alert = page.getByRole('alert');
      await alert.waitFor({ timeout: 30_000 });
      const message = (await alert.innerText()).trim();
      await screenshot(page, '02-sign-in-refused');
      expect(message.length, message).toBeGreaterThan(10);

      // Still the sign-in screen, with no navigation to anything else.
      expect(new URL(page.url()).hash).toBe('#/sign-in');
      expect(await page.getByRole('heading', { level: 1, name: 'Sign in' }).isVisible()).toBe(true);
      expect(await page.getByRole('navigation').count()).toBe(0);
      expect(await inPage(page, 'sessionStorage.length')).toBe(0);
      // No rollback ran: none left a log.
      expect(rollbackLogs()).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('an administrator signs in with a TOTP code, runs the 24-hour emergency rollback from the portal and watches it complete', async () => {
    const { context, page, pageErrors } = await openPortal();
    try {
      await signIn(page, await freshCode());
      await page.getByRole('navigation').waitFor({ timeout: 30_000 });
      await screenshot(page, '03-signed-in');

      // System Management → Emergency Operations → 24-Hour Emergency Rollback.
      await page.getByRole('button', { name: 'System Management', exact: true }).click();
      await page.getByRole('button', { name: 'Emergency Operations', exact: true }).click();
      await screenshot(page, '04-navigation-emergency-operations');
      await page.getByRole('link', { name: '24-Hour Emergency Rollback', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: '24-Hour Emergency Rollback' }).waitFor();
      expect(await inPage(page, 'document.activeElement?.tagName')).toBe('H1');

      // The plan: which recovery point, and what will be lost.
      const warning = page.getByRole('region', { name: /will be lost/ });
      await warning.waitFor({ timeout: 60_000 });
      expect(await page.getByRole('region', { name: 'Recovery point', exact: true }).innerText()).toMatch(/rp-[A-Za-z0-9-]+/);
      expect(await warning.getByRole('table').count()).toBe(1);
      expect(await page.getByRole('alert').count()).toBe(0);
      expect(await page.getByLabel('Reason', { exact: true }).count()).toBe(1);
      expect(await page.getByLabel('Password', { exact: true }).count()).toBe(1);
      expect(await page.getByLabel('Authentication code').count()).toBe(0);
      await screenshot(page, '05-emergency-rollback-plan');
      await expectNoHorizontalScrollAtPhoneWidth(page, '06-emergency-rollback-plan-phone');

      await page.getByLabel('Reason', { exact: true }).fill('e2e: bad deploy at 02:10 corrupted the agents');
      await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
      await page.getByRole('button', { name: 'Execute Emergency Rollback', exact: true }).click();

      // The live timeline, until the result.
      await page.getByRole('heading', { level: 1, name: 'Rollback progress' }).waitFor({ timeout: 30_000 });
      const steps = page.getByRole('list', { name: 'Steps' });
      expect(await steps.getAttribute('aria-live')).toBe('polite');
      await steps.getByRole('listitem').first().waitFor({ timeout: 60_000 });
      await screenshot(page, '07-rollback-running');
      const result = page.getByRole('heading', { name: /^Rollback (completed|failed)$/ });
      await result.waitFor({ timeout: 180_000 });
      await screenshot(page, '08-rollback-finished');
      const failure = (await page.getByRole('alert').count()) > 0 ? await page.getByRole('alert').innerText() : '';
      expect(await result.innerText(), failure).toContain('Rollback completed');
      expect(await page.getByRole('status').filter({ hasText: 'Rollback completed' }).count()).toBe(1);
      // Exactly one element says so (Playwright matches text case-insensitively, as a substring):
      // a check that waits for the text must not find it twice.
      await page.getByText('Rollback completed').waitFor({ timeout: 5_000 });

      const timeline = await steps.innerText();
      expect(timeline).toMatch(/RestoreLevels|RestoreComponent/);
      expect(timeline).toContain('ReleaseLock');
      const progress = await page.getByRole('table', { name: 'Progress per component' }).innerText();
      for (const component of ['vision-lake', 'auth', 'agents', 'squadrons']) expect(progress).toContain(component);
      expect(rollbackLogs()).toHaveLength(1);
      await expectNoHorizontalScrollAtPhoneWidth(page, '09-rollback-completed-phone');
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 360_000);

  it('the recovery points, health, audit trail and safe mode screens show the state of the system', async () => {
    const { context, page, pageErrors } = await openPortal();
    try {
      await signIn(page, await freshCode());
      await page.getByRole('navigation').waitFor({ timeout: 30_000 });

      await page.getByRole('link', { name: 'Recovery points', exact: true }).click();
      const points = page.getByRole('table', { name: 'Recovery points' });
      await points.waitFor({ timeout: 30_000 });
      expect(await points.innerText()).toMatch(/rp-/);
      // The first start's backdated demo history is marked as such.
      expect(await points.locator('.badge').filter({ hasText: /^demo$/i }).count()).toBeGreaterThan(0);
      await screenshot(page, '10-recovery-points');
      await expectNoHorizontalScrollAtPhoneWidth(page, '11-recovery-points-phone');

      await page.getByRole('link', { name: 'Health', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Health' }).waitFor();
      await page.getByRole('table', { name: 'Component health' }).waitFor({ timeout: 120_000 });
      await screenshot(page, '12-health');

      await page.getByRole('link', { name: 'Audit trail', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Audit trail' }).waitFor();
      const audit = page.getByRole('table', { name: /^Audit records/ });
      await audit.waitFor({ timeout: 30_000 });
      const auditText = await audit.innerText();
      // The refused sign-in and the rollback of the tests before are on record.
      expect(auditText).toMatch(/refused|denied|failed/i);
      expect(auditText).toContain('rollback');
      await screenshot(page, '13-audit-trail');

      // Enter safe mode and leave it again.
      await page.getByRole('link', { name: 'Safe mode', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Safe mode' }).waitFor();
      const enter = page.getByRole('button', { name: 'Enter safe mode', exact: true });
      await enter.waitFor({ timeout: 30_000 });
      await page.getByLabel('Reason', { exact: true }).fill('e2e: maintenance window');
      await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
      await enter.click();
      const leave = page.getByRole('button', { name: 'Leave safe mode', exact: true });
      await leave.waitFor({ timeout: 30_000 });
      await screenshot(page, '14-safe-mode-on');
      await page.getByLabel('Reason', { exact: true }).fill('e2e: maintenance done');
      await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
      await leave.click();
      await enter.waitFor({ timeout: 30_000 });

      // Signing out returns to the sign-in screen and forgets the token.
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor({ timeout: 30_000 });
      expect(await inPage(page, 'sessionStorage.length')).toBe(0);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 300_000);

  it('Ctrl-C ends the server within 30 seconds and releases the state folder', async () => {
    await browser?.close();
    browser = undefined;
    const wing = server;
    if (!wing) throw new Error('the server did not start');
    wing.child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`wing start did not exit within 30 s of SIGINT\n${serverOutput()}`));
      }, 30_000);
    });
    let run: RunResult;
    try {
      run = await Promise.race([wing.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
    expect([0, 130], serverOutput()).toContain(run.code);
    expect(existsSync(join(home, 'run.lock')), 'run.lock is still there').toBe(false);
  }, 60_000);
});
