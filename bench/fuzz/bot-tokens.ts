import { randomUUID } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { trustedFetch } from '../../bot/net/tls-trust.js';
import { DEMO } from '../../test/support/emulator-msal.js';
import { PEOPLE, type BotStack } from '../../test/teams/support/bot-stack.js';

/**
 * Bad channel tokens on POST /api/messages (JWT validation on): none, garbage, unsigned, expired,
 * another bot's audience, another service URL, forged with the channel key's id, and an Entra token
 * (another issuer and key). A genuine token is tried too. Answers below 400 count as accepted.
 */
export async function attackBotEndpoint(stack: BotStack): Promise<{
  attempts: number;
  accepted: number;
  kinds: string[];
  genuineAccepted: boolean;
  examples: string[];
}> {
  const fetchEmu = trustedFetch(stack.emu.caPem);
  const jwks = (await (await fetchEmu(`${stack.emu.origin}/botframework/v1/.well-known/keys`)).json()) as {
    keys: { kid: string }[];
  };
  const { privateKey } = await generateKeyPair('RS256');
  const forged = await new SignJWT({ serviceurl: stack.channel.url })
    .setProtectedHeader({ alg: 'RS256', kid: jwks.keys[0]!.kid })
    .setIssuer('https://api.botframework.com')
    .setAudience(stack.botId)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
  const now = Math.floor(Date.now() / 1000);
  const unsigned = [
    Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url'),
    Buffer.from(
      JSON.stringify({
        iss: 'https://api.botframework.com',
        aud: stack.botId,
        serviceurl: stack.channel.url,
        iat: now,
        exp: now + 3600,
      }),
    ).toString('base64url'),
    '',
  ].join('.');
  const entra = (await (
    await fetchEmu(`${stack.emu.origin}/_emulator/tokens/teams-sso`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userPrincipalName: PEOPLE.alice.email, appId: DEMO.clientId }),
    })
  ).json()) as { access_token: string };

  const bad: [string, string | null][] = [
    ['none', null],
    ['garbage', 'Bearer not-a-jwt'],
    ['unsigned', `Bearer ${unsigned}`],
    ['expired', `Bearer ${await stack.channelToken({ lifetimeSeconds: -600 })}`],
    ['wrongAudience', `Bearer ${await stack.channelToken({ appId: randomUUID() })}`],
    ['otherServiceUrl', `Bearer ${await stack.channelToken({ serviceUrl: 'http://127.0.0.1:9/' })}`],
    ['forged', `Bearer ${forged}`],
    ['wrongIssuerEntraToken', `Bearer ${entra.access_token}`],
  ];
  const message = () => stack.activity(PEOPLE.alice, { type: 'message', text: 'enable sync' });
  let accepted = 0;
  const examples: string[] = [];
  for (const [kind, authorization] of bad) {
    const res = await stack.post(message(), authorization);
    if (res.status < 400) {
      accepted += 1;
      examples.push(`${kind} accepted on POST /api/messages`);
    }
  }
  const genuine = await stack.post({ ...message(), text: 'help' });
  return {
    attempts: bad.length,
    accepted,
    kinds: bad.map(([k]) => k),
    genuineAccepted: genuine.status === 200,
    examples,
  };
}
