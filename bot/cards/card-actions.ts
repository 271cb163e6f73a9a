import { z } from 'zod';
import { type CardRef, type CardRefKind, verifyCardRef } from './card-refs.js';

/**
 * Every `Action.Execute` our cards send, validated before use. Teams merges input values into `data`,
 * so inputs (justification, decline reason, retention) arrive next to the signed `ref`.
 */

const ref = z.string({ required_error: 'ref is missing' }).min(1).max(2048);
const noData = z.object({}).optional();
const accountAction = z.object({ ref });

const text = (what: string) =>
  z.string({ required_error: what }).trim().min(1, what).max(1000, 'Please keep it under 1,000 characters.');

export const cardActionSchema = z.discriminatedUnion('verb', [
  z.object({ verb: z.literal('help'), data: noData }),
  z.object({ verb: z.literal('status'), data: noData }),
  z.object({
    verb: z.literal('enable'),
    // The enable card's optional blocklist box (checked entry by entry before anything changes).
    data: z.object({
      ref,
      blocklist: z.string().max(5000, 'Please keep the list under 5,000 characters.').optional(),
    }),
  }),
  z.object({ verb: z.literal('ask_admin'), data: accountAction }),
  z.object({ verb: z.literal('grant_visibility'), data: z.object({ ref }) }),
  z.object({ verb: z.literal('decline_visibility'), data: z.object({ ref }) }),
  z.object({
    verb: z.literal('submit_justification'),
    data: z.object({ ref, justification: text('Please say briefly why you need Cloud Sync.') }),
  }),
  z.object({ verb: z.literal('consent_granted'), data: z.object({ ref }) }),
  z.object({
    verb: z.literal('consent_declined'),
    data: z.object({
      ref,
      declineReason: text('Please give the reason for declining; the users will see it.'),
    }),
  }),
  z.object({ verb: z.literal('request_email_correction'), data: accountAction }),
  z.object({ verb: z.literal('ask_crm_admin'), data: z.object({ ref }) }),
  z.object({
    verb: z.literal('correct_work_email'),
    data: z.object({
      ref,
      crmUserId: z.string().trim().min(1).max(100).optional(),
      // The administrator's corrected address; cards from before the box carry none (the suggestion stands).
      workEmail: z
        .string()
        .trim()
        .toLowerCase()
        .max(254, 'Please enter a work e-mail address, such as name@company.com.')
        .email('Please enter a work e-mail address, such as name@company.com.')
        .optional(),
    }),
  }),
  // A CRM administrator's buttons on `list users` and on the revoke confirmation, one CRM user each.
  z.object({ verb: z.literal('grant_user'), data: z.object({ ref }) }),
  z.object({ verb: z.literal('revoke_user'), data: z.object({ ref }) }),
  z.object({ verb: z.literal('confirm_revoke'), data: z.object({ ref }) }),
  z.object({ verb: z.literal('cancel_revoke'), data: z.object({ ref }) }),
  z.object({ verb: z.literal('reconnect'), data: accountAction }),
  z.object({ verb: z.literal('pause'), data: accountAction }),
  z.object({ verb: z.literal('resume'), data: accountAction }),
  z.object({ verb: z.literal('disable'), data: accountAction }),
  z.object({
    verb: z.literal('confirm_disable'),
    data: z.object({
      ref,
      retention: z.enum(['keep', 'purge'], {
        errorMap: () => ({ message: 'Choose whether to keep or remove what was copied' }),
      }),
    }),
  }),
  z.object({ verb: z.literal('cancel_disable'), data: accountAction }),
  // Teams' refresh of a request card (its `refresh` clause): the card as the request now stands.
  z.object({ verb: z.literal('refresh_visibility_request'), data: z.object({ ref }) }),
  z.object({ verb: z.literal('refresh_identity_request'), data: z.object({ ref }) }),
]);
export type CardActionPayload = z.infer<typeof cardActionSchema>;
export type CardVerb = CardActionPayload['verb'];
export const cardVerbs: readonly CardVerb[] = cardActionSchema.options.map((o) => o.shape.verb.value);

/** Which signed reference each verb must carry; `null` for verbs that only read the actor's own data. */
export const refKindOfVerb = {
  help: null,
  status: null,
  enable: 'account',
  ask_admin: 'account',
  grant_visibility: 'visibility_request',
  decline_visibility: 'visibility_request',
  submit_justification: 'account',
  consent_granted: 'approval_request',
  consent_declined: 'approval_request',
  request_email_correction: 'account',
  ask_crm_admin: 'identity_request',
  correct_work_email: 'identity_request',
  grant_user: 'crm_user',
  revoke_user: 'crm_user',
  confirm_revoke: 'crm_user',
  cancel_revoke: 'crm_user',
  reconnect: 'account',
  pause: 'account',
  resume: 'account',
  disable: 'account',
  confirm_disable: 'account',
  cancel_disable: 'account',
  refresh_visibility_request: 'visibility_request',
  refresh_identity_request: 'identity_request',
} as const satisfies Record<CardVerb, CardRefKind | null>;

type OpenVerb = { [V in CardVerb]: (typeof refKindOfVerb)[V] extends null ? V : never }[CardVerb];

/** A validated action; `target` is what the verified ref names, never an id taken from the payload. */
export type CardAction =
  | (Extract<CardActionPayload, { verb: OpenVerb }> & { target?: undefined })
  | (Extract<CardActionPayload, { verb: Exclude<CardVerb, OpenVerb> }> & { target: CardRef });

export interface ParseOptions {
  key: Buffer;
  now: Date;
  /** From the invoke activity: `from.aadObjectId` and the conversation's tenant id. */
  actorAadObjectId: string;
  actorTenantId: string;
}

export type ParseResult = { ok: true; action: CardAction } | { ok: false; error: string };

const sameId = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function describeIssues(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return 'This card action is not valid.';
  if (first.code === z.ZodIssueCode.invalid_union_discriminator) {
    return 'This card action is not one Cloud Sync knows.';
  }
  const field = first.path.join('.');
  return first.message.startsWith('Please') || first.message.startsWith('Choose')
    ? first.message
    : `This card action is not valid (${field || 'payload'}: ${first.message}).`;
}

/** Validates an `Action.Execute` payload (the invoke's `value.action`) and its signed reference. */
export async function parseCardAction(raw: unknown, opts: ParseOptions): Promise<ParseResult> {
  const parsed = cardActionSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: describeIssues(parsed.error) };
  const payload = parsed.data;
  const wantedKind: CardRefKind | null = refKindOfVerb[payload.verb];
  if (wantedKind === null) return { ok: true, action: payload as CardAction };

  const data = payload.data as { ref: string };
  const checked = await verifyCardRef(data.ref, { key: opts.key, now: opts.now });
  if (!checked.ok) return checked;
  const target = checked.ref;
  if (target.k !== wantedKind)
    return { ok: false, error: 'This card’s data was changed or is not from Cloud Sync.' };
  if (!sameId(target.tid, opts.actorTenantId)) {
    return { ok: false, error: 'This card belongs to another organisation.' };
  }
  if (target.k === 'account' && !sameId(target.id, opts.actorAadObjectId)) {
    return { ok: false, error: 'This card belongs to someone else, so only they can use its buttons.' };
  }
  return { ok: true, action: { ...payload, target } as CardAction };
}
