/**
 * The bot section in a process of its own, so that its memory figure is not inflated by the
 * sections that ran before it. Input: BOT_OPTIONS (JSON); output: one JSON line.
 */
import { runBot, type BotOptions } from '../scenarios/bot.js';
import { capturingConsole } from './console-capture.js';

const options = JSON.parse(process.env.BOT_OPTIONS ?? '') as BotOptions;
// The bot's libraries print refused or odd requests on the console; only the result goes to stdout.
capturingConsole(() => runBot(options)).then(
  ({ value }) => {
    process.stdout.write(`${JSON.stringify(value)}\n`);
    process.exit(0);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
