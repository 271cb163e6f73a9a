/**
 * The bench's bot process: bot/main.ts exactly as `npm run server` runs it, with the event-loop monitor
 * (bot-loop-monitor.ts) started first. An entry of its own rather than `--import`, which worker threads
 * (pino's transport) would inherit.
 */
import './bot-loop-monitor.js';
import '../../bot/main.js';
