import { z } from 'zod';

/**
 * The enablement states, events and actors. The zod schemas are the source of truth so the
 * binding can validate what it reads back from the store before handing it to the state machine.
 */

// The store's state column takes its type from this list, so the database and the machine cannot drift.
export const ENABLEMENT_STATES = [
  'not_visible',
  'ready',
  'signing_in',
  'awaiting_admin_consent',
  'identity_mismatch',
  'activating',
  'active',
  'reconnect_required',
  'paused',
  'disabled',
] as const;
export const enablementStateSchema = z.enum(ENABLEMENT_STATES);
export type EnablementState = z.infer<typeof enablementStateSchema>;
export const enablementStates = enablementStateSchema.options;

const reasonText = z.string().trim().min(1).max(500);

export const enablementEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('visibility_granted') }),
  z.object({ type: z.literal('visibility_revoked') }),
  z.object({ type: z.literal('visibility_requested') }),
  z.object({ type: z.literal('start_requested') }),
  z.object({ type: z.literal('sign_in_completed') }),
  z.object({ type: z.literal('sign_in_failed'), cancelled: z.boolean(), reason: reasonText }),
  z.object({ type: z.literal('admin_consent_required') }),
  z.object({ type: z.literal('justification_submitted'), justification: reasonText }),
  z.object({ type: z.literal('admin_consent_granted') }),
  z.object({ type: z.literal('admin_consent_declined'), reason: reasonText }),
  z.object({
    type: z.literal('identity_mismatch_detected'),
    mismatch: z.enum(['different_directory_user', 'address_mismatch']),
    signedInAddress: z.string().min(1),
    expectedAddress: z.string().min(1),
  }),
  z.object({ type: z.literal('correction_requested') }),
  /** A CRM administrator set the work e-mail to the address the user signed in with. */
  z.object({ type: z.literal('work_email_corrected'), address: z.string().email() }),
  z.object({ type: z.literal('enablement_cancelled') }),
  z.object({ type: z.literal('activation_succeeded') }),
  z.object({ type: z.literal('activation_failed'), reason: reasonText }),
  z.object({
    type: z.literal('token_revoked'),
    cause: z.enum(['invalid_grant', 'consent_revoked', 'token_expired']),
  }),
  z.object({ type: z.literal('reconnect_requested') }),
  z.object({ type: z.literal('pause') }),
  z.object({ type: z.literal('resume') }),
  z.object({ type: z.literal('disable'), retention: z.enum(['keep', 'purge']) }),
]);
export type EnablementEvent = z.infer<typeof enablementEventSchema>;
export type EnablementEventType = EnablementEvent['type'];
export const enablementEventTypes = enablementEventSchema.options.map((o) => o.shape.type.value);

/** Who acts. A person may hold both admin roles; the system is our own callbacks and the sync worker. */
export const actorSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('person'),
    aadObjectId: z.string().min(1),
    crmAdmin: z.boolean(),
    itAdmin: z.boolean(),
  }),
  z.object({
    kind: z.literal('system'),
    component: z.enum(['auth_callback', 'admin_consent_callback', 'sync_worker', 'activation']),
  }),
]);
export type Actor = z.infer<typeof actorSchema>;

/** The account whose enablement changes: its state and the Teams user who owns it. */
export const enablementSubjectSchema = z.object({
  state: enablementStateSchema,
  ownerAadObjectId: z.string().min(1),
});
export type EnablementSubject = z.infer<typeof enablementSubjectSchema>;
