import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { playgroundNodeArgs } from '../../scripts/playground-command.js';
import { REPO_ROOT } from './emulator.js';

/**
 * The Microsoft 365 Agents Playground (@microsoft/m365agentsplayground) for end-to-end tests: one
 * instance on a random port, talking to a given bot endpoint with a given mock-tenant config file, and
 * helpers that drive its web page as a person would (type in the compose box, read the bot's replies
 * and Adaptive Cards, click card buttons, fill card inputs). Every helper waits on a condition in the
 * page; none sleeps for a fixed time.
 */

const CLI = path.join(REPO_ROOT, 'node_modules/@microsoft/m365agentsplayground/cli.js');

export const CONTOSO_CONFIG = path.join(REPO_ROOT, '.m365agentsplayground.yml');
export const FABRIKAM_CONFIG = path.join(REPO_ROOT, 'playground/fabrikam.yml');

export interface PlaygroundOptions {
  /** The bot's messaging endpoint, e.g. http://localhost:1234/api/messages. */
  botEndpoint: string;
  /** The playground's mock tenant (current user, team, channel), e.g. CONTOSO_CONFIG. */
  configFile: string;
  startTimeoutMs?: number;
}

export interface Playground {
  url: string;
  port: number;
  /** Everything the playground printed so far, for failure messages. */
  output(): string;
  close(): Promise<void>;
}

export async function startPlayground(options: PlaygroundOptions): Promise<Playground> {
  if (!existsSync(CLI)) throw new Error(`the Agents Playground is not installed (${CLI}); run npm install`);
  const configFile = path.resolve(options.configFile);
  if (!existsSync(configFile)) throw new Error(`no playground config file at ${configFile}`);
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;

  const child = spawn(
    process.execPath,
    // Port 0: the playground takes a free port and prints it ("Listening on N"); no collisions.
    playgroundNodeArgs(REPO_ROOT, { botEndpoint: options.botEndpoint, port: 0 }),
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        // Without this the playground tries to open a browser, and crashes where there is none.
        TEAMSAPPTESTER_BROWSER: 'none',
        M365_AGENTS_PLAYGROUND_CONFIG_PATH: configFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const captured: string[] = [];
  const output = () => captured.join('');
  child.stdout!.setEncoding('utf8').on('data', (s: string) => captured.push(s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => captured.push(s));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Mocha exits the process when the run ends (`exit: true`): never leave a playground behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));

  const close = () => stopChild(child, exited);
  try {
    const port = await waitForPort(child, output, startTimeoutMs);
    const url = `http://localhost:${port}/`;
    await waitForHttp(url, child, output, startTimeoutMs);
    return { url, port, output, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function describeExit(child: ChildProcess): string {
  return child.signalCode ? `signal ${child.signalCode}` : `exit ${child.exitCode}`;
}

function waitForPort(child: ChildProcess, output: () => string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`the Agents Playground did not start within ${timeoutMs} ms:\n${output()}`)),
      timeoutMs,
    );
    const onData = () => {
      const m = /Listening on (\d+)/.exec(output());
      if (m) finish(undefined, Number(m[1]));
    };
    const onExit = () =>
      finish(
        new Error(`the Agents Playground stopped during start-up (${describeExit(child)}):\n${output()}`),
      );
    function finish(err: Error | undefined, port?: number): void {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(port!);
    }
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
    onData();
  });
}

/** "Listening" comes before the config file is read: only an answered page means it is up. */
async function waitForHttp(
  url: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the Agents Playground stopped during start-up (${describeExit(child)}):\n${output()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    // Polling a port that is coming up: a short pause between attempts, bounded by the deadline.
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `the Agents Playground at ${url} did not answer within ${timeoutMs} ms (${last}):\n${output()}`,
  );
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(killer);
}

// ---------------------------------------------------------------------------------------------------
// The playground's web page

export interface PlaygroundPageOptions {
  /** Where step screenshots go (emptied, then created); none taken when omitted. */
  screenshotDir?: string;
  /** How long a step waits for the bot (replies, card updates). */
  timeoutMs?: number;
}

/** One browser tab on a playground, used by a person: the chat list, the compose box and the cards. */
export class PlaygroundPage {
  private shots = 0;
  readonly timeoutMs: number;

  private constructor(
    readonly page: Page,
    readonly playground: Playground,
    private readonly options: PlaygroundPageOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  static async open(
    target: Browser | BrowserContext,
    playground: Playground,
    options: PlaygroundPageOptions = {},
  ): Promise<PlaygroundPage> {
    // A context brings its own viewport; a bare browser gets one wide enough for the log panel.
    const page =
      'newContext' in target
        ? await target.newPage({ viewport: { width: 1300, height: 1000 } })
        : await target.newPage();
    const pp = new PlaygroundPage(page, playground, options);
    // A run's screenshots replace the previous run's, so none is mistaken for this one's.
    if (options.screenshotDir) await rm(options.screenshotDir, { recursive: true, force: true });
    await page.goto(playground.url);
    await pp.composeBox().waitFor({ timeout: pp.timeoutMs });
    return pp;
  }

  /** The compose box: the playground's message editor is a contenteditable with role textbox. */
  composeBox(): Locator {
    // Cards' text inputs (the welcome card's blocklist box) are textboxes too, but not contenteditable.
    return this.page.locator('[contenteditable="true"]').first();
  }

  /** Opens a chat or channel from the left rail, e.g. 'Personal Chat' or the channel 'Approvals'. */
  async openConversation(name: string): Promise<void> {
    await this.page.getByText(name, { exact: true }).first().click();
    await this.composeBox().waitFor({ timeout: this.timeoutMs });
  }

  /** Types a message in the compose box and sends it with Enter, as a person does. */
  async send(text: string): Promise<void> {
    const box = this.composeBox();
    await box.click();
    await this.page.keyboard.type(text);
    await this.page.keyboard.press('Enter');
    // Sent once the editor has emptied itself.
    await this.page.waitForFunction(
      (el) => (el?.textContent ?? '').trim() === '',
      await box.elementHandle(),
      { timeout: this.timeoutMs },
    );
  }

  /**
   * In a channel: a new post that @mentions the bot (type `@`, pick the bot from the suggestions), then
   * the text, then Post. The bot only receives channel posts that mention it.
   */
  async postMentioning(botName: string, text: string): Promise<void> {
    const box = this.composeBox();
    await box.click();
    await this.page.keyboard.type('@');
    await this.page
      .getByRole('menuitem')
      .filter({ hasText: botName })
      .first()
      .click({ timeout: this.timeoutMs });
    await this.page.keyboard.type(` ${text}`);
    const post = this.page.getByRole('button', { name: 'Post', exact: true });
    if (await post.isVisible()) await post.click();
    else await this.page.keyboard.press('Enter');
  }

  /** Every Adaptive Card on the page. */
  cards(): Locator {
    return this.page.locator('.ac-adaptiveCard');
  }

  /** How many cards show `text` now: pass it as `after` to wait for the next such card. */
  countCards(text: string | RegExp): Promise<number> {
    return this.cards().filter({ hasText: text }).count();
  }

  /**
   * The most recent card showing `text`, once it is there; with `after`, the card after the first
   * `after` such cards (a new card, not one already in the conversation).
   */
  async waitForCard(
    text: string | RegExp,
    options: { after?: number; timeoutMs?: number } = {},
  ): Promise<Locator> {
    const matching = this.cards().filter({ hasText: text });
    const card = options.after === undefined ? matching.last() : matching.nth(options.after);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    try {
      await card.waitFor({ state: 'visible', timeout: timeoutMs });
    } catch (err) {
      throw await this.explain(`no card showing ${String(text)}`, err);
    }
    return card;
  }

  /** Waits until `text` shows anywhere in the conversation (a plain reply or a card). */
  async waitForText(text: string | RegExp, timeoutMs = this.timeoutMs): Promise<Locator> {
    const found = this.page.getByText(text).last();
    try {
      await found.waitFor({ state: 'visible', timeout: timeoutMs });
    } catch (err) {
      throw await this.explain(`nothing showing ${String(text)}`, err);
    }
    return found;
  }

  /** A card's action button by its title: Action.Execute renders as a button, Action.OpenUrl as a link. */
  cardAction(card: Locator, title: string): Locator {
    return card
      .getByRole('button', { name: title, exact: true })
      .or(card.getByRole('link', { name: title, exact: true }))
      .first();
  }

  async clickCardAction(card: Locator, title: string): Promise<void> {
    try {
      await this.cardAction(card, title).click({ timeout: this.timeoutMs });
    } catch (err) {
      throw await this.explain(`could not click "${title}" on the card`, err);
    }
  }

  /** Clicks an Action.OpenUrl button and returns the page the browser opened for it. */
  async clickCardLinkForPopup(card: Locator, title: string): Promise<Page> {
    const popup = this.page.context().waitForEvent('page', { timeout: this.timeoutMs });
    await this.clickCardAction(card, title);
    const page = await popup;
    await page.waitForLoadState('domcontentloaded');
    return page;
  }

  /** Fills a card input by its label (Input.Text with `label`). */
  async fillCardInput(card: Locator, label: string, value: string): Promise<void> {
    try {
      await card.getByLabel(label).fill(value, { timeout: this.timeoutMs });
    } catch (err) {
      throw await this.explain(`no input labelled "${label}" on the card`, err);
    }
  }

  /** A full-page screenshot named in step order, when a screenshot dir was given. */
  async screenshot(name: string, page: Page = this.page): Promise<void> {
    const dir = this.options.screenshotDir;
    if (!dir) return;
    await mkdir(dir, { recursive: true });
    this.shots += 1;
    const file = `${String(this.shots).padStart(2, '0')}-${name.replace(/[^a-z0-9-]+/gi, '-')}.png`;
    await page.screenshot({ path: path.join(dir, file), fullPage: true });
  }

  /** A failure message with what the conversation shows and what the playground logged. */
  async explain(what: string, cause: unknown): Promise<Error> {
    // The whole page: the conversation, and the playground's log panel (what it sent, what came back).
    const shown = await this.page
      .locator('body')
      .innerText({ timeout: 2000 })
      .catch(() => '(page unreadable)');
    await this.screenshot(`failed-${what}`).catch(() => undefined);
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    return new Error(
      `${what} (${reason})\n--- the conversation shows ---\n${shown.slice(-4000)}\n` +
        `--- the playground printed ---\n${this.playground.output().slice(-3000)}`,
    );
  }
}
