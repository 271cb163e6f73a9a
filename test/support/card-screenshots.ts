import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';

/**
 * Cards rendered as a person sees them: the adaptivecards library in Chromium at a Teams chat's narrow
 * width, with Teams-like light and dark colours. Each render leaves a screenshot in
 * .test-output/screenshots/<name>-<theme>.png for people to look at.
 */

export const SCREENSHOTS = path.resolve('.test-output/screenshots');

/** Teams-like light and dark host configs: the colours a person sees the card's text in. */
export const THEMES = {
  light: {
    background: '#ffffff',
    default: '#242424',
    good: '#0e700e',
    warning: '#835b00',
    attention: '#c50f1f',
  },
  dark: {
    background: '#292929',
    default: '#ffffff',
    good: '#54b054',
    warning: '#f2c661',
    attention: '#f1707b',
  },
} as const;
export type Theme = keyof typeof THEMES;

function hostConfig(t: (typeof THEMES)[Theme]) {
  const colour = (c: string) => ({ default: c, subtle: c });
  return {
    fontFamily: 'sans-serif',
    containerStyles: {
      default: {
        backgroundColor: t.background,
        foregroundColors: {
          default: colour(t.default),
          accent: colour('#5b5fc7'),
          good: colour(t.good),
          warning: colour(t.warning),
          attention: colour(t.attention),
        },
      },
      emphasis: {
        backgroundColor: t.background,
        foregroundColors: { default: colour(t.default) },
      },
    },
  };
}

/** Where the reader is: their computer's zone and language, which DATE and TIME in a card follow. */
export interface Reader {
  timezoneId: string;
  locale: string;
}

/** Renders a card and screenshots it; returns the page (the caller closes it). */
export async function renderCard(
  browser: Browser,
  card: object,
  theme: Theme,
  name: string,
  reader: Reader = { timezoneId: 'UTC', locale: 'en-GB' },
): Promise<Page> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const page = await browser.newPage({ viewport: { width: 320, height: 900 }, ...reader });
  await page.setContent(
    `<body style="margin:0;background:${THEMES[theme].background}"><div id="card"></div></body>`,
  );
  await page.addScriptTag({ path: 'node_modules/adaptivecards/dist/adaptivecards.min.js' });
  await page.evaluate(
    ({ json, config }) => {
      const AC = (window as unknown as { AdaptiveCards: typeof import('adaptivecards') }).AdaptiveCards;
      const ac = new AC.AdaptiveCard();
      ac.hostConfig = new AC.HostConfig(config);
      ac.parse(json);
      document.getElementById('card')!.appendChild(ac.render()!);
    },
    { json: card, config: hostConfig(THEMES[theme]) },
  );
  const file = path.join(SCREENSHOTS, `${name}-${theme}.png`);
  await page.locator('#card').screenshot({ path: file });
  console.log(`      screenshot: ${file}`);
  return page;
}

/** The computed colour of the first element showing `text`. */
export const textColour = (page: Page, text: string) =>
  page
    .getByText(text, { exact: false })
    .first()
    .evaluate((el) => getComputedStyle(el).color);

export const rgb = (hex: string) =>
  `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
