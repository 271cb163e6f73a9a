import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { bindAddress } from '../../bot/app/compose-server.js';
import { createChannelTokenValidator } from '../../bot/teams/channel-token.js';
import { buildApprovalRequestCard } from '../../bot/cards/approval-card.js';
import { parseConfig } from '../../bot/config/config.js';
import { recordAttempt, setJustification } from '../../bot/enablement/core/approval-requests.js';
import { createLogger } from '../../bot/logging/logger.js';
import { markdownTexts } from '../../test/cards/card-validation.js';
import { expectPage } from '../../test/support/emulator-browser.js';
import { DEMO } from '../../test/support/emulator-msal.js';
import {
  itChannel,
  openUrlOf,
  PEOPLE,
  personalChat,
  type BotStack,
  type DemoPerson,
} from '../../test/teams/support/bot-stack.js';
import { startEnabling } from '../../test/teams/support/journeys.js';

/**
 * The security review's findings, each replayed as the attack it described. `held` is true
 * when the attack got nothing. The bot stack is the auth scenario's, configured with Frank as
 * Fabrikam's IT admin by (tenant id, object id).
 */
export interface FindingProbe {
  finding: number;
  attack: string;
  held: boolean;
}

export const FINDINGS_STACK_ENV = { IT_ADMINS: `${DEMO.fabrikam}/${PEOPLE.frank.aadObjectId}` };

export async function probeFindings(stack: BotStack): Promise<FindingProbe[]> {
  return [
    await consentAnswerWithoutConsent(stack),
    await guestItAdmin(stack),
    unauthenticatedBot(),
    markdownFromRequester(),
    await tokenWithoutKeyId(),
    unsafeProductionSettings(),
    tokensInLogs(),
  ];
}

/** 1: Erin, waiting, answers the consent callback herself with IT's state; nothing may be granted. */
async function consentAnswerWithoutConsent(stack: BotStack): Promise<FindingProbe> {
  const { erin, frank } = PEOPLE;
  const channel = itChannel(DEMO.fabrikam);
  await stack.say(frank, 'set it channel', channel);
  const card = await startEnabling(stack, erin);
  await stack.signInFromCard(card, { username: erin.email, password: erin.password }, (browser, step) =>
    browser.submit(expectPage(step), { justification: 'probe' }, '/request-approval'),
  );
  const linkInErinsChat = /adminconsent/.test(JSON.stringify(stack.activitiesIn(personalChat(erin))));
  // The card's button goes through our start route, which mints the state and redirects to Microsoft.
  const started = await fetch(openUrlOf(stack.cardsIn(channel).at(-1)!, 'admin consent'), {
    redirect: 'manual',
  });
  const link = new URL(started.headers.get('location')!);
  const back = new URL(link.searchParams.get('redirect_uri')!);
  back.search = new URLSearchParams({
    admin_consent: 'True',
    tenant: DEMO.fabrikam,
    state: link.searchParams.get('state')!,
  }).toString();
  await (await fetch(back)).arrayBuffer();
  const statuses = await stack.store.db.selectFrom('approval_requests').select('status').execute();
  return {
    finding: 1,
    attack: 'a waiting user answers the admin-consent callback with IT’s state, no consent in Entra',
    held: !linkInErinsChat && statuses.every((r) => r.status === 'pending'),
  };
}

/** 2: Fabrikam's IT admin, a guest in Contoso's team, tries to choose Contoso's IT channel. */
async function guestItAdmin(stack: BotStack): Promise<FindingProbe> {
  const guest: DemoPerson = {
    ...PEOPLE.frank,
    key: 'frank-guest',
    aadObjectId: 'c3000000-0000-4000-8000-00000000f001',
    tenantId: DEMO.contoso,
  };
  stack.channel.roster.set(`29:${guest.key}`, {
    id: `29:${guest.key}`,
    name: guest.name,
    aadObjectId: guest.aadObjectId,
    email: guest.email,
    userPrincipalName: guest.email,
  });
  await stack.say(guest, 'set it channel', itChannel(DEMO.contoso));
  const contoso = await stack.store.db
    .selectFrom('tenants')
    .select('it_channel_ref_key')
    .where('id', '=', DEMO.contoso)
    .executeTakeFirstOrThrow();
  return {
    finding: 2,
    attack: 'another tenant’s IT admin, a guest, registers this tenant’s IT channel',
    held: contoso.it_channel_ref_key === null,
  };
}

/** 3: the unauthenticated bot mode reachable from outside, or allowed in production. */
function unauthenticatedBot(): FindingProbe {
  let productionAccepted = true;
  try {
    parseConfig({ ...SAFE_PRODUCTION, BOT_ID: '', BOT_PASSWORD: '' });
  } catch {
    productionAccepted = false;
  }
  return {
    finding: 3,
    attack: 'the bot without BOT_ID listens beyond loopback, or production runs without BOT_ID',
    held: bindAddress({ BOT_ID: undefined }) === '127.0.0.1' && !productionAccepted,
  };
}

/** 4: a "why" that plants a link in IT's approval card. */
function markdownFromRequester(): FindingProbe {
  const at = new Date();
  const opened = recordAttempt(
    undefined,
    {
      tenantId: DEMO.fabrikam,
      permissions: ['Mail.Read'],
      requester: { aadObjectId: 'erin', name: 'Erin Lee', email: 'erin.lee@fabrikam.com' },
      at,
    },
    'probe',
  );
  if (!opened.ok) throw new Error(opened.error);
  const phish = '[Click here to approve](https://phish.example/consent)';
  const justified = setJustification(opened.request, 'erin', phish, at);
  if (!justified.ok) throw new Error(justified.error);
  const card = buildApprovalRequestCard({
    request: justified.request,
    ref: 'probe',
    tenantName: 'Fabrikam Staffing',
    adminConsentUrl: 'https://login.example/adminconsent',
  });
  return {
    finding: 4,
    attack: 'a requester’s reason carries a Markdown link into the IT channel',
    held: !markdownTexts(card).some((t) => t.includes('phish.example')),
  };
}

/** 5: a channel token without `kid`, signed by the only key, for a channel that key is not endorsed for. */
async function tokenWithoutKeyId(): Promise<FindingProbe> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'only', endorsements: ['msteams'] };
  const serviceUrl = 'https://smba.example/';
  const validator = createChannelTokenValidator({
    openIdMetadataUrl: 'https://meta.example/openid',
    issuer: 'https://api.botframework.com',
    audience: 'probe-bot',
    fetch: async (url) =>
      String(url).endsWith('/openid')
        ? Response.json({ jwks_uri: 'https://meta.example/keys' })
        : Response.json({ keys: [jwk] }),
  });
  const token = await new SignJWT({ serviceurl: serviceUrl })
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer('https://api.botframework.com')
    .setAudience('probe-bot')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
  const accepted = await validator
    .validate(`Bearer ${token}`, { serviceUrl, channelId: 'slack' })
    .then(() => true)
    .catch(() => false);
  return { finding: 5, attack: 'a channel token without kid skips the endorsement check', held: !accepted };
}

const SAFE_PRODUCTION = {
  NODE_ENV: 'production',
  USE_EMULATOR: 'false',
  AAD_APP_CLIENT_ID: '0b5a1e3c-1111-4a2b-9c3d-222222222222',
  AAD_APP_CLIENT_SECRET: 'x',
  BOT_ID: '0b5a1e3c-3333-4a2b-9c3d-444444444444',
  BOT_PASSWORD: 'y',
  PUBLIC_URL: 'https://sync.example.com',
  DATABASE_URL: 'postgres://app@db.example.com/cloudsync?sslmode=verify-full',
  TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};

/** 6: production started with each unsafe setting. */
function unsafeProductionSettings(): FindingProbe {
  const unsafe: Record<string, string>[] = [
    { PUBLIC_URL: '' },
    { PUBLIC_URL: 'http://sync.example.com' },
    { DATABASE_URL: 'postgres://app@db.example.com/cloudsync?sslmode=disable' },
    { DATABASE_URL: 'postgres://app@db.example.com/cloudsync?sslmode=require' },
    { BOT_TOKEN_ISSUER: 'https://issuer.example' },
    { TOKEN_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') },
  ];
  const accepted = unsafe.filter((change) => {
    try {
      parseConfig({ ...SAFE_PRODUCTION, ...change });
      return true;
    } catch {
      return false;
    }
  });
  return {
    finding: 6,
    attack: 'production starts with http, unverified database TLS, a foreign issuer or a zero key',
    held: accepted.length === 0,
  };
}

/** 7: token shapes logged in messages, errors and deep objects. */
function tokensInLogs(): FindingProbe {
  const written: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _e, cb) {
        written.push(String(chunk));
        cb();
      },
    }),
  });
  const jwt = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from('{"probe-secret":1}').toString('base64url')}.c2ln`;
  const secrets = ['probe-rt-secret', 'probe-code-secret', 'probe-client-secret'];
  logger.warn(`refresh failed: refresh_token=${secrets[0]}&code=${secrets[1]}`);
  logger.warn({ err: new Error(`client_secret=${secrets[2]} rejected, token ${jwt}`) }, 'token call');
  logger.warn({ a: { b: { c: { d: { Refresh_Token: secrets[0] } } } } }, 'deep');
  const out = written.join('');
  return {
    finding: 7,
    attack: 'refresh tokens, codes, client secrets and JWTs inside logged messages and deep keys',
    held: ![...secrets, jwt.split('.')[1]!].some((s) => out.includes(s)),
  };
}
