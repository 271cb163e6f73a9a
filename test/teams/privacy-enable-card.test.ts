import assert from 'node:assert/strict';
import {
  actionsOf,
  executeAction,
  PEOPLE,
  personalChat,
  startBotStack,
  textOf,
  type BotStack,
} from './support/bot-stack.js';
import { accountOf } from './support/journeys.js';

/** Personal blocklist entries typed into the enable card, before the first import. */
describe('bot: blocklist in the enable card', function () {
  let stack: BotStack;
  beforeEach(async () => {
    stack = await startBotStack();
  });
  afterEach(() => stack.close());

  const blocklistOf = async (accountId: string) =>
    JSON.parse(
      (
        await stack.store.db
          .selectFrom('sync_accounts')
          .select('personal_blocklist')
          .where('id', '=', accountId)
          .executeTakeFirstOrThrow()
      ).personal_blocklist,
    ) as string[];

  it('entries typed into the enable card are saved before sign-in starts; a bad entry changes nothing', async () => {
    const { alice } = PEOPLE;
    await stack.say(alice, 'help');
    const welcome = stack.cardsIn(personalChat(alice)).at(-1)!;
    assert.ok(actionsOf(welcome).length > 0);
    assert.match(textOf(welcome), /"type":"Input.Text","id":"blocklist"/);
    const enable = executeAction(welcome, 'enable');

    const refused = await stack.invoke(alice, {
      verb: 'enable',
      data: { ...enable.data, blocklist: 'hr@contoso.com, not an address' },
    });
    assert.match(
      textOf(refused.card),
      /not an address\\" is not an e-mail address \(name@example\.com\) or a domain/,
    );
    assert.equal(await accountOf(stack, alice), undefined);

    const started = await stack.invoke(alice, {
      verb: 'enable',
      data: {
        ...enable.data,
        blocklist: 'Priya.Patel@example.com;\n@northwind.example, priya.patel@example.com',
      },
    });
    assert.match(textOf(started.card), /Sign in/);
    const account = await accountOf(stack, alice);
    assert.equal(account?.state, 'signing_in');
    assert.deepEqual(await blocklistOf(account!.id), ['priya.patel@example.com', '@northwind.example']);
  });

  it('the enable button without entries keeps the list empty', async () => {
    const { alice } = PEOPLE;
    await stack.say(alice, 'help');
    const started = await stack.invoke(
      alice,
      executeAction(stack.cardsIn(personalChat(alice)).at(-1)!, 'enable'),
    );
    assert.match(textOf(started.card), /Sign in/);
    assert.deepEqual(await blocklistOf((await accountOf(stack, alice))!.id), []);
  });
});
