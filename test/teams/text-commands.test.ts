import assert from 'node:assert/strict';
import { PEOPLE, personalChat, startBotStack, textOf, type BotStack } from './support/bot-stack.js';

/** What people type to the bot in their personal chat: help, and text that is no command. */
describe('bot: help and text it does not understand (bot/teams/text-commands.ts)', function () {
  let stack: BotStack;
  before(async () => {
    stack = await startBotStack();
  });
  after(() => stack.close());

  const lastReply = (person: (typeof PEOPLE)[keyof typeof PEOPLE]) =>
    stack.activitiesIn(personalChat(person)).at(-1)!.activity;

  it('answers unrecognised text with "I didn\'t catch that" and the short list, not a card', async () => {
    const { alice, dan } = PEOPLE;
    await stack.say(alice, 'can you book me a meeting room?');
    const reply = lastReply(alice);
    assert.equal(reply.attachments, undefined, 'no card');
    assert.match(String(reply.text), /^I didn't catch that\. You can type "enable sync", "status"/);
    assert.match(String(reply.text), /Type "help" to see what each one does\./);
    assert.doesNotMatch(String(reply.text), /list users/);

    await stack.say(dan, 'list user please');
    assert.match(
      String(lastReply(dan).text),
      /As a CRM administrator also "list users", and "grant" or "revoke" followed by a work e-mail\./,
    );
  });

  it('help explains each command in a sentence; a CRM administrator also gets the admin commands', async () => {
    const { alice, dan } = PEOPLE;
    await stack.say(alice, 'help');
    /** A command in bold, then the start of its sentence: how the help card lists each one. */
    const explains = (card: string, usage: string, sentence: string) =>
      assert.ok(
        card.includes(`"text":"${usage}","weight":"Bolder"},{"type":"TextRun","text":": ${sentence}`),
        `help explains "${usage}"`,
      );
    const help = textOf(stack.cardsIn(personalChat(alice)).at(-1));
    explains(help, 'enable sync', 'Switches Cloud Sync on');
    explains(help, 'mail off / mail on', 'Stops or restarts copying your e-mail');
    explains(help, 'disable sync', 'Switches Cloud Sync off, after asking you to confirm');
    assert.doesNotMatch(help, /As a CRM administrator/);

    await stack.say(dan, 'help');
    const adminHelp = textOf(stack.cardsIn(personalChat(dan)).at(-1));
    assert.match(adminHelp, /As a CRM administrator/);
    explains(adminHelp, 'list users', 'Lists your organisation’s TriSys users');
    explains(adminHelp, 'revoke <work e-mail>', 'Withdraws Cloud Sync from that user');
  });

  it('the welcome card lists the admin commands for a CRM administrator only', async () => {
    const { ben, dan } = PEOPLE;
    // Installing the app (the bot joins the personal chat) brings the welcome card.
    for (const person of [ben, dan]) {
      await stack.post(
        stack.activity(person, {
          type: 'conversationUpdate',
          id: `install-${person.key}`,
          membersAdded: [{ id: `28:${stack.botId}` }],
        }),
      );
    }
    const welcomeOf = (p: typeof ben) => stack.cardsIn(personalChat(p)).at(-1);
    assert.match(textOf(welcomeOf(dan)), /As a CRM administrator also \*\*list users\*\*, and \*\*grant\*\*/);
    assert.doesNotMatch(textOf(welcomeOf(ben)), /list users/);
    assert.match(textOf(welcomeOf(ben)), /You can type \*\*enable sync\*\*/);
  });
});
