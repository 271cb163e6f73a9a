import type { JWTPayload } from 'jose';
import { apiAccessClaims } from '../../emulator/entra/token-issuer.js';
import { badToken, BAD_TOKENS } from '../../test/tab-api/fixtures/tokens.js';
import type { TabStack } from '../../test/tab-api/fixtures/tab-stack.js';
import { DEMO } from '../../test/support/emulator-msal.js';
import { CONTOSO } from '../../test/sync/support/accounts.js';
import { attackBotEndpoint } from '../fuzz/bot-tokens.js';
import { startTabSurface, TAB_ROUTES } from '../fuzz/tab-api.js';
import { startBotStack } from '../../test/teams/support/bot-stack.js';
import { startBenchEnv } from '../support/bench-env.js';
import { capturingConsole } from '../support/console-capture.js';
import { FINDINGS_STACK_ENV, probeFindings, type FindingProbe } from './security-findings.js';

/**
 * Bad tokens against the bot endpoint (bench/fuzz/bot-tokens.ts) and every tab API route: forged (right kid, wrong key), unsigned (alg none),
 * expired, wrong audience, wrong issuer, unknown tenant, no scope, garbage, no token at all, and a
 * genuine user of another CRM tenant asking for Contoso's data by naming it in the query. Any answer below 400 counts as accepted. A genuine token is tried on each route
 * too, so a route that refuses everyone cannot pass for a safe one.
 */

export interface AuthResult {
  attempts: number;
  accepted: number;
  kinds: string[];
  routes: number;
  genuineAccepted: number;
  examples: string[];
  /** The bot endpoint, POST /api/messages, with its own kinds of bad channel token. */
  botEndpoint: { attempts: number; accepted: number; kinds: string[]; genuineAccepted: boolean };
  /** The security review's findings, each attack replayed; every one must be `held`. */
  findings: FindingProbe[];
}

type Kind = (typeof BAD_TOKENS)[number] | 'unsigned' | 'otherTenantUser' | 'none';

export async function runAuth(): Promise<AuthResult> {
  const env = await startBenchEnv('sqlite');
  const surface = await startTabSurface(env.emu, env.logger);
  try {
    // badToken() reads the emulator and its keys from a tab stack; this is the same shape.
    const stack = { baseUrl: surface.baseUrl, emu: env.emu, store: surface.store } as unknown as TabStack;
    const unsigned = async () => {
      const d = env.emu.ctx.directory;
      const claims: JWTPayload = apiAccessClaims(
        env.emu.origin,
        d.getApplication(DEMO.clientId)!,
        d.findUserByUpn('alice.smith@contoso.com')!,
        ['access_as_user'],
        DEMO.clientId,
      );
      const now = Math.floor(Date.now() / 1000);
      const body = Buffer.from(JSON.stringify({ ...claims, iat: now, exp: now + 3600 })).toString(
        'base64url',
      );
      return `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${body}.`;
    };
    const tokens: [Kind, string | null][] = [];
    for (const kind of BAD_TOKENS) tokens.push([kind, await badToken(stack, kind)]);
    tokens.push(['unsigned', await unsigned()]);
    // Erin is a real user of Fabrikam, a tenant the demo CRM does not hold.
    tokens.push(['otherTenantUser', await surface.ssoToken('erin.lee@fabrikam.com')]);
    tokens.push(['none', null]);

    let attempts = 0;
    let accepted = 0;
    let genuineAccepted = 0;
    const examples: string[] = [];
    const genuine = await surface.ssoToken('dan.morgan@contoso.com');
    for (const route of TAB_ROUTES) {
      const send = (token: string | null, query = '') =>
        fetch(new URL(`${route.path}${query}`, surface.baseUrl), {
          method: route.method,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(route.method === 'GET' ? {} : { 'content-type': 'application/json' }),
          },
          ...(route.method === 'GET' ? {} : { body: '{}' }),
        });
      for (const [kind, token] of tokens) {
        attempts += 1;
        // A genuine user of another CRM tenant is let in to their own data: the attempt is to reach
        // Contoso's by naming it, and it counts as accepted if any Contoso data comes back.
        const crossTenant = kind === 'otherTenantUser';
        const res = await send(token, crossTenant ? `?tenantId=${CONTOSO.id}&tenant=${CONTOSO.id}` : '');
        const text = await res.text();
        const letIn = crossTenant ? res.status < 400 && /@contoso\.com/i.test(text) : res.status < 400;
        if (letIn) {
          accepted += 1;
          if (examples.length < 5) examples.push(`${kind} accepted on ${route.method} ${route.path}`);
        }
      }
      const res = await send(genuine);
      await res.arrayBuffer();
      if (res.status < 400 || res.status === 409) genuineAccepted += 1;
    }
    const botStack = await startBotStack({ env: FINDINGS_STACK_ENV });
    const { bot, findings } = (
      await capturingConsole(async () => ({
        bot: await attackBotEndpoint(botStack),
        findings: await probeFindings(botStack),
      })).finally(() => botStack.close())
    ).value;
    return {
      attempts: attempts + bot.attempts,
      accepted: accepted + bot.accepted,
      kinds: tokens.map(([k]) => k),
      routes: TAB_ROUTES.length + 1,
      genuineAccepted: genuineAccepted + (bot.genuineAccepted ? 1 : 0),
      examples: [...examples, ...bot.examples],
      botEndpoint: {
        attempts: bot.attempts,
        accepted: bot.accepted,
        kinds: bot.kinds,
        genuineAccepted: bot.genuineAccepted,
      },
      findings,
    };
  } finally {
    await surface.close();
    await env.close();
  }
}
