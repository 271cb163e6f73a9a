import type { Request, Response, Server } from 'restify';
import type { Logger } from '../../logging/logger.js';
import { ApiHttpError } from '../../tab-api/http-errors.js';
import { readJson } from '../../tab-api/json-body.js';
import { tenantOfServiceKey } from '../service-keys.js';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { appointmentInputSchema, crmIdSchema } from './appointment-input.js';
import type { CrmAppointment, CrmDiary, CrmDiaryPut } from './crm-diary-port.js';

/**
 * The CRM API for the CRM's diary: `PUT /api/crm/diary/{crmId}` creates or replaces an appointment,
 * `DELETE` removes it. The caller is the CRM itself, with its tenant's service key as a bearer token;
 * the tenant comes from the key, never from the request, so one tenant's key cannot reach another's
 * appointments or users. A refused request changes nothing.
 */

export interface CrmDiaryRoutesDeps {
  db: Kysely<Database>;
  diary: CrmDiary;
  logger: Logger;
  /** Told after every accepted change, e.g. to write it to the owner's calendar soon. */
  onChanged?: (appointment: { tenantId: string; crmId: string }) => void;
}

const unauthorized = () =>
  new ApiHttpError(
    401,
    'unauthorized',
    'Send the tenant’s CRM service key as "Authorization: Bearer <key>".',
    undefined,
    {
      'WWW-Authenticate': 'Bearer',
    },
  );

async function callerTenant(db: Kysely<Database>, req: Request): Promise<string> {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  const tenantId = match ? await tenantOfServiceKey(db, match[1]!) : undefined;
  if (!tenantId) throw unauthorized();
  return tenantId;
}

function crmIdOf(req: Request): string {
  const parsed = crmIdSchema.safeParse(req.params.crmId);
  if (!parsed.success)
    throw new ApiHttpError(400, 'invalid_crm_id', `The appointment id ${parsed.error.issues[0]!.message}.`);
  return parsed.data;
}

function refusal(result: Extract<CrmDiaryPut, { ok: false }>): ApiHttpError {
  switch (result.reason) {
    case 'unknown_owner':
      return new ApiHttpError(
        422,
        'unknown_owner',
        `No CRM user of this tenant has the work e-mail ${result.owner}.`,
        [{ path: 'owner', message: 'is not a CRM user of this tenant' }],
      );
    case 'unknown_contact':
      return new ApiHttpError(
        422,
        'unknown_contact',
        `No CRM contact of this tenant matches ${result.contacts.join(', ')}.`,
        [{ path: 'attendees', message: `unknown contact ${result.contacts.join(', ')}` }],
      );
    case 'owner_changed':
      return new ApiHttpError(
        409,
        'owner_changed',
        'This appointment belongs to another CRM user: remove it and create a new one for the new owner.',
        [{ path: 'owner', message: 'differs from the appointment’s owner' }],
      );
  }
}

/** The answer body: what the CRM needs to keep in step with us. */
function view(a: CrmAppointment) {
  return {
    crmId: a.crmId,
    version: a.version,
    changedAt: a.changedAt,
    removed: a.removedAt !== null,
    outlook: a.outlook,
  };
}

function handle(logger: Logger, fn: (req: Request, res: Response) => Promise<void>) {
  return async (req: Request, res: Response): Promise<void> => {
    res.setHeader('Cache-Control', 'no-store');
    try {
      await fn(req, res);
    } catch (err) {
      if (err instanceof ApiHttpError) {
        for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
        res.json(err.status, err.body());
        return;
      }
      // Path only: headers carry the service key.
      logger.error({ err: { message: (err as Error).message }, path: req.getPath() }, 'CRM API failed');
      res.json(500, {
        error: 'internal',
        message: 'Something went wrong on our side. Try again in a moment.',
      });
    }
  };
}

export function registerCrmDiaryRoutes(server: Server, deps: CrmDiaryRoutesDeps): void {
  const { db, diary, logger } = deps;

  server.put(
    '/api/crm/diary/:crmId',
    handle(logger, async (req, res) => {
      const tenantId = await callerTenant(db, req);
      const crmId = crmIdOf(req);
      const input = await readJson(req, appointmentInputSchema);
      const result = await diary.put(tenantId, crmId, input);
      if (!result.ok) throw refusal(result);
      if (result.outcome !== 'unchanged') deps.onChanged?.({ tenantId, crmId });
      res.json(result.outcome === 'created' ? 201 : 200, {
        outcome: result.outcome,
        ...view(result.appointment),
      });
    }),
  );

  server.del(
    '/api/crm/diary/:crmId',
    handle(logger, async (req, res) => {
      const tenantId = await callerTenant(db, req);
      const crmId = crmIdOf(req);
      const outcome = await diary.remove(tenantId, crmId);
      if (outcome === 'not_found')
        throw new ApiHttpError(404, 'not_found', `This tenant has no CRM appointment ${crmId}.`);
      if (outcome === 'removed') deps.onChanged?.({ tenantId, crmId });
      res.send(204);
    }),
  );
}
