import { z } from 'zod';
import type { ActionResponse } from '#shared/contract.js';
import { readJson } from '../json-body.js';
import { requireCrmUser, type RouteKit } from './context.js';

const disableBody = z
  .object({
    retention: z.enum(['keepData', 'purge'], {
      errorMap: () => ({ message: 'must be "keepData" or "purge"' }),
    }),
    confirm: z.literal(true, {
      errorMap: () => ({ message: 'must be true: switching off needs confirmation' }),
    }),
  })
  .strict();

const switchBody = z
  .object({
    resource: z.enum(['mail', 'diary'], { errorMap: () => ({ message: 'must be "mail" or "diary"' }) }),
    on: z.boolean({ errorMap: () => ({ message: 'must be true or false' }) }),
  })
  .strict();

const MESSAGES = {
  switchOn:
    'One step left, in Teams: open your chat with Cloud Sync, where a sign-in card has just arrived, and press Sign in. Sync starts as soon as you have signed in.',
  syncNow: 'A sync starts within a few seconds.',
  pause: 'Cloud Sync is paused. Nothing new is copied until you resume it.',
  resume: 'Cloud Sync is on again and catches up now.',
  keepData: 'Cloud Sync is switched off. What was already copied stays in the CRM.',
  purge: 'Cloud Sync is switched off and what it copied for you only has been removed from the CRM.',
};

function disableMessage(retention: 'keepData' | 'purge', calendarEventsRemoved = 0): string {
  if (calendarEventsRemoved === 0) return MESSAGES[retention];
  const events =
    calendarEventsRemoved === 1
      ? 'The CRM appointment Cloud Sync had put in your Outlook calendar has'
      : `The ${calendarEventsRemoved} CRM appointments Cloud Sync had put in your Outlook calendar have`;
  return `${MESSAGES[retention]} ${events} been removed from it.`;
}

export function registerActionRoutes(kit: RouteKit): void {
  const { commands } = kit.deps;
  const reply = (
    r: { state: string; nextRunAt: string | null; calendarEventsRemoved?: number },
    message: string,
  ) => {
    const body: ActionResponse = {
      ok: true,
      state: r.state,
      nextRunAt: r.nextRunAt,
      message,
      ...(r.calendarEventsRemoved === undefined ? {} : { calendarEventsRemoved: r.calendarEventsRemoved }),
    };
    return { json: body };
  };

  kit.post('/api/me/sync-now', async (p) => {
    requireCrmUser(p);
    return reply(await commands.syncNow(p), MESSAGES.syncNow);
  });
  kit.post('/api/me/switch-on', async (p) => {
    requireCrmUser(p);
    return reply(await commands.apply(p, { type: 'start_requested' }), MESSAGES.switchOn);
  });
  kit.post('/api/me/pause', async (p) => {
    requireCrmUser(p);
    return reply(await commands.apply(p, { type: 'pause' }), MESSAGES.pause);
  });
  kit.post('/api/me/resume', async (p) => {
    requireCrmUser(p);
    return reply(await commands.apply(p, { type: 'resume' }), MESSAGES.resume);
  });
  kit.post('/api/me/resource', async (p, req) => {
    const crmUser = requireCrmUser(p);
    const body = await readJson(req, switchBody);
    const message = await commands.switchResource(p, body.resource, body.on);
    const account = await kit.deps.store.db
      .selectFrom('sync_accounts')
      .select(['state', 'next_run_at'])
      .where('tenant_id', '=', p.tenantId)
      .where('crm_user_id', '=', crmUser.id)
      .executeTakeFirstOrThrow();
    return reply({ state: account.state, nextRunAt: account.next_run_at }, message);
  });
  kit.post('/api/me/disable', async (p, req) => {
    requireCrmUser(p);
    const body = await readJson(req, disableBody);
    const retention = body.retention === 'purge' ? 'purge' : 'keep';
    const result = await commands.apply(p, { type: 'disable', retention });
    return reply(result, disableMessage(body.retention, result.calendarEventsRemoved));
  });
}
