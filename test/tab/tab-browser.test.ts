import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { addAccount, addMailItem, addRun, addSkip, CONTOSO, minutesAgo } from '../tab-api/fixtures/seed.js';
import { startTabStack, type TabStack } from '../tab-api/fixtures/tab-stack.js';
import { launchChromium } from '../support/chromium.js';

/**
 * The tab in a real headless Chromium against the real server and emulator: sign in on the emulator's
 * page, read health, press Sync now and watch the page follow, then the administrator's tenant table;
 * screenshots in each theme go to .test-output/ for people to look at.
 */

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUTPUT = path.join(REPO, '.test-output', 'screenshots');
const ALICE = { username: 'alice.smith@contoso.com', password: 'demo' };
const DAN = { username: 'dan.morgan@contoso.com', password: 'demo' };

/** A full-page screenshot for people to look at, its path printed with the test's output. */
async function shot(page: Page, name: string): Promise<void> {
  const file = path.join(OUTPUT, name);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`      screenshot: ${file}`);
}

/** Chromium trusts the emulator's certificate by its public key, for this browser only. */
async function spkiHashes(dataDir: string): Promise<string> {
  const hashes = [];
  for (const file of ['ca.pem', 'localhost.pem']) {
    const pem = await readFile(path.join(dataDir, 'emulator', file), 'utf8');
    const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
    hashes.push(createHash('sha256').update(der).digest('base64'));
  }
  return hashes.join(',');
}

describe('health tab in Chromium (tab/)', function () {
  let stack: TabStack;
  let browser: Browser;
  let distDir: string;
  let aliceAccount: string;
  let danAccount: string;

  before(async function () {
    // A production build of the tab takes most of a minute on a busy two-core machine.
    this.timeout(300_000);
    distDir = await mkdtemp(path.join(os.tmpdir(), 'tab-dist-'));
    // The page under test is built from the current sources, exactly as `npm run build:tab` does.
    await build({
      configFile: path.join(REPO, 'tab/vite.config.ts'),
      logLevel: 'error',
      build: { outDir: distDir, emptyOutDir: true, sourcemap: false },
    });
    stack = await startTabStack({ distDir });
    const now = new Date();
    aliceAccount = await addAccount(stack.store, ALICE.username, 'active', {
      nextRunAt: new Date(now.getTime() + 30 * 60_000).toISOString(),
      lastSyncedAt: minutesAgo(now, 12),
    });
    for (let h = 1; h <= 30; h += 3) {
      await addRun(stack.store, aliceAccount, {
        resource: h % 2 ? 'mail:inbox' : 'diary',
        status: 'succeeded',
        startedAt: minutesAgo(now, h * 60 + 1),
        endedAt: minutesAgo(now, h * 60),
        added: h,
        updated: 1,
      });
    }
    await addRun(stack.store, aliceAccount, {
      resource: 'diary',
      status: 'failed',
      startedAt: minutesAgo(now, 16),
      endedAt: minutesAgo(now, 15),
      errorCode: 'ServiceUnavailable',
      errorMessage: '503',
    });
    await addSkip(
      stack.store,
      aliceAccount,
      'no_crm_contact',
      minutesAgo(now, 40),
      'From newsletter@example.org',
    );
    danAccount = await addAccount(stack.store, DAN.username, 'active', {
      lastSyncedAt: minutesAgo(now, 3),
    });
    await addRun(stack.store, danAccount, {
      resource: 'mail:inbox',
      status: 'succeeded',
      startedAt: minutesAgo(now, 4),
      endedAt: minutesAgo(now, 3),
      added: 9,
    });

    browser = await launchChromium([
      `--ignore-certificate-errors-spki-list=${await spkiHashes(stack.emu.dataDir)}`,
    ]);
    await mkdir(OUTPUT, { recursive: true });
  });

  after(async function () {
    await browser?.close();
    await stack?.close();
    if (distDir) await rm(distDir, { recursive: true, force: true });
  });

  /** The browser sign-in as a person does it: our Sign in button, the emulator's form, consent if asked. */
  async function signIn(
    user: { username: string; password: string },
    query = '?theme=light',
    where: { timezoneId?: string; locale?: string } = {},
  ): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 1000 }, ...where });
    const page = await context.newPage();
    await page.goto(`${stack.baseUrl}/tab/${query}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.origin === stack.emu.origin);
    await page.fill('#login', user.username);
    await page.fill('#passwd', user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const accept = page.getByRole('button', { name: 'Accept' });
    const home = page.getByRole('heading', { name: 'Cloud Sync', level: 1 });
    await accept.or(home).first().waitFor();
    if (await accept.isVisible()) await accept.click();
    await page.waitForURL(`${stack.baseUrl}/tab/${query}`);
    return page;
  }

  it('signs Alice in through the emulator and shows her mail and diary health', async function () {
    const page = await signIn(ALICE);
    await page.getByTestId('state-title').filter({ hasText: 'Sync is on' }).waitFor();
    await page.locator('[data-resource="mail"] [data-health="healthy"]').waitFor();
    await page.locator('[data-resource="diary"] [data-health="failing"]').waitFor();
    await page.getByText('Microsoft 365 had a temporary problem').waitFor();
    await page.getByText('Nobody in it is a candidate or client in the CRM').waitFor();
    // Reload keeps the session (sessionStorage) and never puts the token in the address bar.
    assert.doesNotMatch(page.url(), /token|code=/);
    await shot(page, 'tab-my-sync-light.png');
    await page.context().close();
  });

  it('reads the hourly chart and every time in the user’s own zone: one label per day, ending with the current hour’s', async function () {
    // Kolkata is UTC+5:30 all year (no summer time): its midnight is 18:30 UTC, half-way through a UTC hour.
    const OFFSET_MS = 330 * 60_000;
    const DAY = 24 * 3_600_000;
    const HOUR = 3_600_000;
    const WEEKDAY = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
    const localDay = (utcMs: number) => {
      const local = new Date(utcMs + OFFSET_MS);
      return `${WEEKDAY[local.getUTCDay()]} ${local.getUTCDate()}`;
    };
    const localMidnight = (utcMs: number) => Math.floor((utcMs + OFFSET_MS) / DAY) * DAY - OFFSET_MS;
    // A run either side of the latest Kolkata midnight at least two hours back: 23:30 and 00:30 there.
    const midnight = localMidnight(Date.now() - 2 * HOUR);
    for (const endedAt of [midnight - 30 * 60_000, midnight + 30 * 60_000])
      await addRun(stack.store, aliceAccount, {
        resource: 'diary',
        status: 'succeeded',
        startedAt: new Date(endedAt - 60_000).toISOString(),
        endedAt: new Date(endedAt).toISOString(),
        added: 2,
      });

    const hourOf = (ms: number) => Math.floor(ms / HOUR) * HOUR;
    const hourBefore = hourOf(Date.now());
    const page = await signIn(ALICE, '?theme=light', { timezoneId: 'Asia/Kolkata', locale: 'en-GB' });
    const chart = page.getByRole('figure', { name: 'Items synced per hour, last 7 days' });
    await chart.locator('svg .tick text').first().waitFor();
    const labels = await chart.locator('svg .tick text').allTextContents();
    const axis = labels.filter((l) => /^[A-Z][a-z]{2} \d{1,2}$/.test(l));

    // The chart's points are the last 168 UTC hours, the current one last. Every Kolkata day in which
    // one of them starts has exactly one label, oldest first (the first point's day began before the
    // window and has none), and the last is the current hour's day there: no repeats, no day to come.
    // Kolkata's midnight falls half-way through a UTC hour, so from 18:30 to 19:00 UTC the new day has
    // begun there but none of the chart's hours has yet: the last label is still the day before.
    // The chart's current hour is the server's at the tab's last poll: the hour this test began in, or
    // the next one if a UTC hour ended while the tab loaded.
    const expectedFor = (currentHour: number) => {
      const days: string[] = [];
      for (let h = currentHour - 167 * HOUR, previous = ''; h <= currentHour; h += HOUR) {
        const day = localDay(h);
        if (previous !== '' && day !== previous) days.push(day);
        previous = day;
      }
      return days;
    };
    const currentHour = [hourBefore, hourOf(Date.now())].find((h) => isDeepStrictEqual(expectedFor(h), axis));
    assert.deepEqual(axis, expectedFor(currentHour ?? hourBefore));
    assert.equal(axis.at(-1), localDay(currentHour ?? hourBefore));

    // The table behind the chart names each busy hour by its Kolkata day and time, the zone named.
    await chart.getByText('Show the numbers').click();
    const rows = await chart.getByRole('row').allTextContents();
    for (const [at, time] of [
      [midnight - 30 * 60_000, '23:30'],
      [midnight + 30 * 60_000, '00:30'],
    ] as const)
      assert.ok(
        rows.some((r) => r.startsWith(`${localDay(at)}, ${time} GMT+5:30`)),
        `no row for ${localDay(at)} ${time} in ${JSON.stringify(rows)}`,
      );
    // "Last successful sync" says when in the same zone, naming it.
    assert.match(await page.getByTestId('mail-last-sync').innerText(), / ago \(.+ GMT\+5:30\)$/);
    await shot(page, 'tab-my-sync-kolkata-light.png');
    await page.context().close();
  });

  it('Sync now moves the next run and the page follows the run the worker records', async function () {
    const page = await signIn(ALICE);
    const nextRun = page.getByTestId('mail-next-run');
    await nextRun.filter({ hasText: /^in \d+ min/ }).waitFor();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByText('A sync starts within a few seconds.').waitFor();
    await nextRun.filter({ hasText: /^now/ }).waitFor();
    const account = await stack.store.db
      .selectFrom('sync_accounts')
      .select('next_run_at')
      .where('id', '=', aliceAccount)
      .executeTakeFirstOrThrow();
    assert.ok(account.next_run_at && Date.parse(account.next_run_at) <= Date.now());
    assert.ok(stack.syncRequests.includes(aliceAccount));

    // The worker (elsewhere) picks the account up and records a run in progress: the tab, polling
    // faster while a run is due, shows it without a reload.
    await addRun(stack.store, aliceAccount, {
      resource: 'mail:inbox',
      status: 'running',
      startedAt: new Date().toISOString(),
      endedAt: null,
      progressDone: 40,
      progressEstimate: 100,
    });
    await page.locator('[data-resource="mail"] [data-health="syncing"]').waitFor();
    await page.getByText('40 of about 100').waitFor();
    await page.context().close();
  });

  it('privacy: adding an address offers to remove what was already copied from it, and removes it', async function () {
    // What an earlier import copied: one e-mail from Priya (the fixture's sender) in Alice's mailbox only.
    const copied = await addMailItem(stack.store, CONTOSO, [aliceAccount]);
    const page = await signIn(ALICE);
    const privacy = page.getByRole('form', { name: 'Privacy settings' });
    await privacy.getByRole('textbox').fill('priya.patel@example.com');
    await privacy.getByRole('button', { name: 'Save privacy settings' }).click();
    await privacy
      .getByText('1 e-mails and 0 appointments already copied to TriSys involve priya.patel@example.com')
      .waitFor();
    await privacy.getByRole('button', { name: 'Remove them from TriSys' }).click();
    await privacy.getByText('Removed from TriSys: 1 e-mails and 0 appointments.').waitFor();
    const left = await stack.store.db
      .selectFrom('mail_items')
      .select('id')
      .where('id', '=', copied)
      .execute();
    assert.deepEqual(left, []);
    await page.context().close();
  });

  it('follows the theme: dark and high contrast render with their own colours', async function () {
    const page = await signIn(ALICE, '?theme=dark');
    await page.getByTestId('state-title').waitFor();
    assert.equal(await page.locator('[data-theme]').first().getAttribute('data-theme'), 'dark');
    const background = () => page.locator('main').evaluate((el) => getComputedStyle(el).backgroundColor);
    const dark = await background();
    await shot(page, 'tab-my-sync-dark.png');
    await page.goto(`${stack.baseUrl}/tab/?theme=light`);
    await page.getByTestId('state-title').waitFor();
    const light = await background();
    assert.notEqual(dark, light);
    await page.goto(`${stack.baseUrl}/tab/?theme=contrast`);
    await page.getByTestId('state-title').waitFor();
    assert.equal(await page.locator('[data-theme]').first().getAttribute('data-theme'), 'contrast');
    await shot(page, 'tab-my-sync-contrast.png');
    await page.context().close();
  });

  /**
   * axe-core's rules (WCAG 2.x A and AA, and its best practices) run in the page as the person sees it;
   * the serious and critical violations, each with the elements it names.
   */
  async function seriousViolations(page: Page): Promise<string[]> {
    // Evaluated through the DevTools protocol: the tab's own Content Security Policy refuses any added
    // script tag, as it should.
    await page.evaluate(await readFile(path.join(REPO, 'node_modules/axe-core/axe.min.js'), 'utf8'));
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: typeof import('axe-core') }).axe;
      // Fluent UI's focus manager (tabster) puts hidden, focusable <i data-tabster-dummy> sentinels at
      // the edges of focus groups: they hand focus straight on and are never read, so axe's rule about
      // focusable hidden elements does not apply to them. Everything else is checked.
      const result = await axe.run({ exclude: [['[data-tabster-dummy]']] } as unknown as Document, {
        resultTypes: ['violations'],
      });
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => `${n.target.join(' ')} ${n.html.slice(0, 120)}`),
      }));
    });
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id} (${v.help}): ${v.targets.join(', ')}`);
  }

  // Teams' three themes: default (light), dark and contrast.
  for (const theme of ['light', 'dark', 'contrast'] as const) {
    it(`passes axe-core with no serious or critical violations (${theme}): sign-in, My sync, Organisation`, async function () {
      const context = await browser.newContext({ viewport: { width: 1100, height: 1000 } });
      const start = await context.newPage();
      await start.goto(`${stack.baseUrl}/tab/?theme=${theme}`);
      await start.getByRole('button', { name: 'Sign in' }).waitFor();
      assert.deepEqual(await seriousViolations(start), [], 'the sign-in screen');
      await context.close();

      const mine = await signIn(ALICE, `?theme=${theme}`);
      await mine.getByTestId('state-title').filter({ hasText: 'Sync is on' }).waitFor();
      await mine.locator('[data-resource="diary"] [data-health]').first().waitFor();
      assert.deepEqual(await seriousViolations(mine), [], 'My sync');
      await shot(mine, `tab-axe-my-sync-${theme}.png`);
      await mine.context().close();

      const tenant = await signIn(DAN, `?theme=${theme}`);
      await tenant.getByRole('tab', { name: 'Organisation' }).click();
      await tenant.getByTestId('tenant-users').locator('[data-email="alice.smith@contoso.com"]').waitFor();
      assert.deepEqual(await seriousViolations(tenant), [], 'Organisation');
      await tenant.context().close();
    });
  }

  it('fits a narrow Teams pane without sideways scrolling', async function () {
    const page = await signIn(ALICE);
    await page.setViewportSize({ width: 360, height: 800 });
    await page.getByTestId('state-title').waitFor();
    await page.locator('[data-resource="mail"]').waitFor();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the pane`);
    await shot(page, 'tab-my-sync-narrow.png');
    await page.context().close();
  });

  it('shows Dan, an administrator, the tenant table, reachable by keyboard', async function () {
    const page = await signIn(DAN);
    const mine = page.getByRole('tab', { name: 'My sync' });
    await mine.waitFor();
    await mine.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    const table = page.getByTestId('tenant-users');
    await table.waitFor();
    await table.locator('[data-email="alice.smith@contoso.com"]').waitFor();
    await table.locator('[data-email="dan.morgan@contoso.com"] [data-health="healthy"]').first().waitFor();
    assert.equal(await table.locator('[data-email$="@fabrikam.com"]').count(), 0);
    await page.getByText('No one is waiting for IT approval.').waitFor();
    await shot(page, 'tab-tenant-light.png');

    // Sorting by the State header reorders rows (server-side); the header announces its direction.
    const stateHeader = page.getByRole('columnheader', { name: 'State' });
    await stateHeader.click();
    await page.locator('th[aria-sort="ascending"]', { hasText: 'State' }).waitFor();
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="tenant-users"] tbody tr')?.getAttribute('data-email') ===
        'ben.jones@contoso.com',
    );

    await page.goto(`${stack.baseUrl}/tab/?theme=dark&view=tenant`);
    await page.getByTestId('tenant-users').waitFor();
    await shot(page, 'tab-tenant-dark.png');
    await page.context().close();
  });

  it('offers Switch on when sync is off, and says the one step left is the sign-in card in chat', async function () {
    // Dan switches his own sync off on the tab, as a person would, then changes his mind.
    const page = await signIn(DAN);
    await page.getByTestId('state-title').filter({ hasText: 'Sync is on' }).waitFor();
    await page.getByRole('button', { name: 'Switch off…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Switch off' }).click();
    const switchOn = page.getByRole('button', { name: 'Switch on' });
    await switchOn.waitFor();
    await page.getByText('sends you a sign-in card in your chat with it in Teams').waitFor();
    await shot(page, 'tab-switched-off-light.png');

    await switchOn.click();
    await page.getByText('open your chat with Cloud Sync, where a sign-in card has just arrived').waitFor();
    const account = await stack.store.db
      .selectFrom('sync_accounts')
      .select(['id', 'state'])
      .where('id', '=', danAccount)
      .executeTakeFirstOrThrow();
    assert.equal(account.state, 'signing_in');
    // The chat's sign-in card is the bot's to send: the step handed it the notice.
    const handed = stack.effects.filter((e) => e.accountId === danAccount).flatMap((e) => e.effects);
    assert.ok(
      handed.some((e) => e.type === 'notify_user' && e.notice.kind === 'sign_in'),
      JSON.stringify(handed),
    );
    await page.context().close();
  });
});
