import assert from 'node:assert/strict';
import { importCrm } from '../../../bot/crm/import.js';
import type { SyncAccountState } from '../../../bot/store/schema.js';
import { executeAction, personalChat, textOf, type BotStack, type DemoPerson } from './bot-stack.js';

/**
 * Steps several journeys share, driven exactly as a person would (help → Enable → Sign in). A person's
 * account exists once they first changed something; before that `stateOf` is undefined.
 */

export async function accountOf(
  stack: BotStack,
  person: DemoPerson,
): Promise<{ id: string; state: SyncAccountState } | undefined> {
  return stack.store.db
    .selectFrom('sync_accounts as a')
    .innerJoin('crm_users as u', 'u.id', 'a.crm_user_id')
    .select(['a.id', 'a.state'])
    .where('u.work_email', '=', person.teamsEmail ?? person.email)
    .executeTakeFirst();
}

export async function stateOf(stack: BotStack, person: DemoPerson): Promise<SyncAccountState | undefined> {
  return (await accountOf(stack, person))?.state;
}

/** help → Enable: returns the sign-in card that replaced the welcome card. */
export async function startEnabling(stack: BotStack, person: DemoPerson): Promise<Record<string, unknown>> {
  assert.equal(await stack.say(person, 'help'), 200);
  const welcome = stack.cardsIn(personalChat(person)).at(-1)!;
  const answer = await stack.invoke(person, executeAction(welcome, 'enable'));
  assert.ok(
    answer.card && /Sign in/.test(textOf(answer.card)),
    `expected the sign-in card, got ${JSON.stringify(answer.body)}`,
  );
  return answer.card;
}

export async function activate(stack: BotStack, person: DemoPerson): Promise<string> {
  const card = await startEnabling(stack, person);
  const page = await stack.signInFromCard(card, { username: person.email, password: person.password });
  assert.match(page.html, /Cloud Sync is on/, page.html);
  const account = await accountOf(stack, person);
  assert.equal(account?.state, 'active');
  return account!.id;
}

export async function auditActions(stack: BotStack, subject: string): Promise<string[]> {
  const rows = await stack.store.db
    .selectFrom('audit_log')
    .select('action')
    .where('subject', '=', subject)
    .orderBy('at')
    .execute();
  return rows.map((r) => r.action);
}

/** The CRM names `person` an administrator as well (its own data, through the CRM import). */
export async function makeCrmAdmin(stack: BotStack, person: DemoPerson): Promise<void> {
  const report = await importCrm(
    stack.store,
    JSON.stringify({
      users: [
        {
          tenant: person.tenantId,
          workEmail: person.email,
          displayName: person.name,
          admin: true,
          cloudSyncVisible: true,
        },
      ],
    }),
    { format: 'json' },
  );
  assert.deepEqual(report.rejected, []);
}
