import { trustedFetch, type FetchLike } from '../../bot/net/tls-trust.js';

/**
 * Drives the emulator's sign-in pages over HTTP the way a browser would: it keeps the session cookie,
 * follows redirects within the emulator, submits the forms it is shown, and stops at the first
 * redirect that leaves the emulator (the app's redirect URI), which it returns without calling.
 */
export interface PageForm {
  action: string;
  fields: Record<string, string>;
}

export type BrowserStep =
  { kind: 'page'; url: string; status: number; html: string } | { kind: 'redirect'; location: URL };

export class EmulatorBrowser {
  private readonly fetch: FetchLike;
  private readonly cookies = new Map<string, string>();

  constructor(
    private readonly origin: string,
    caPem: string,
  ) {
    this.fetch = trustedFetch(caPem);
  }

  get(url: string): Promise<BrowserStep> {
    return this.request(url, { method: 'GET' });
  }

  /** Submits a form from a page, with the page's hidden fields plus `values`. */
  submit(page: BrowserStep, values: Record<string, string>, actionContains = ''): Promise<BrowserStep> {
    const form = findForm(expectPage(page).html, actionContains);
    const body = new URLSearchParams({ ...form.fields, ...values });
    return this.request(new URL(form.action, this.origin).toString(), { method: 'POST', body });
  }

  /** Follows a link of a page by its element id. */
  followLink(page: BrowserStep, id: string): Promise<BrowserStep> {
    const m = new RegExp(`<a id="${id}" href="([^"]+)"`).exec(expectPage(page).html);
    if (!m) throw new Error(`no link #${id} on the page`);
    return this.get(new URL(decodeEntities(m[1]!), this.origin).toString());
  }

  /** Signs in on the page shown and, when a consent page follows, answers it. */
  async signIn(
    start: BrowserStep,
    user: { username: string; password: string },
    consent: 'accept' | 'cancel' | 'none' = 'accept',
  ): Promise<BrowserStep> {
    let step = await this.submit(start, { login: user.username, passwd: user.password }, '/login');
    if (consent !== 'none' && step.kind === 'page' && step.html.includes('Permissions requested')) {
      step = await this.submit(step, { decision: consent }, '/Consent/Set');
    }
    return step;
  }

  private async request(url: string, init: { method: string; body?: URLSearchParams }): Promise<BrowserStep> {
    let target = new URL(url);
    let method = init.method;
    let body = init.body;
    for (let hops = 0; hops < 10; hops++) {
      const headers: Record<string, string> = {};
      if (target.origin === this.origin && this.cookies.size > 0) {
        headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      }
      const res = await this.fetch(target, { method, body, headers, redirect: 'manual' });
      for (const c of res.headers.getSetCookie()) this.storeCookie(c);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        const next = new URL(location, target);
        if (next.origin !== this.origin) return { kind: 'redirect', location: next };
        target = next;
        method = 'GET';
        body = undefined;
        continue;
      }
      return { kind: 'page', url: target.toString(), status: res.status, html: await res.text() };
    }
    throw new Error('too many redirects inside the emulator');
  }

  private storeCookie(header: string): void {
    const [pair, ...attrs] = header.split(';');
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '') this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}

export function expectPage(step: BrowserStep): Extract<BrowserStep, { kind: 'page' }> {
  if (step.kind !== 'page') throw new Error(`expected a page, got a redirect to ${step.location.toString()}`);
  return step;
}

export function expectRedirect(step: BrowserStep): URL {
  if (step.kind !== 'redirect')
    throw new Error(`expected a redirect to the app, got a page:\n${step.html.slice(0, 2000)}`);
  return step.location;
}

/** A page that a browser submits on load: Entra's form_post answer to the app. */
export function isFormPostAnswer(step: BrowserStep): boolean {
  return step.kind === 'page' && step.html.includes('<body onload="document.forms[0].submit()">');
}

/**
 * What a browser sends the app at the end of a step: the redirect's GET, or the POST that a
 * `response_mode=form_post` page submits on load (its form, with its hidden fields).
 */
export function answerToApp(step: BrowserStep): { url: string; init: RequestInit } {
  if (step.kind === 'redirect') return { url: step.location.toString(), init: { method: 'GET' } };
  const m = /<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/.exec(step.html);
  if (!m) throw new Error(`expected a redirect or a form_post page, got:\n${step.html.slice(0, 2000)}`);
  const fields = new URLSearchParams();
  for (const input of m[2]!.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields.append(decodeEntities(input[1]!), decodeEntities(input[2]!));
  }
  return {
    url: decodeEntities(m[1]!),
    init: {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.toString(),
    },
  };
}

function findForm(html: string, actionContains: string): PageForm {
  for (const m of html.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)) {
    const action = decodeEntities(m[1]!);
    if (!action.includes(actionContains)) continue;
    const fields: Record<string, string> = {};
    for (const input of m[2]!.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
      fields[decodeEntities(input[1]!)] = decodeEntities(input[2]!);
    }
    return { action, fields };
  }
  throw new Error(`no form posting to '${actionContains}' on the page:\n${html.slice(0, 2000)}`);
}

function decodeEntities(s: string): string {
  return s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
}
