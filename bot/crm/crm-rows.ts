import { z } from 'zod';
import { CONTACT_KINDS } from '../store/schema.js';
import { compileBlocklist } from '../sync/core/blocklist.js';
import { appointmentInputSchema, crmIdSchema, type AppointmentInput } from './diary/appointment-input.js';

/**
 * The rows a CRM import carries, as zod schemas: the JSON format validates against these directly and
 * the CSV format is mapped onto the same shapes (see bot/crm/README.md). Optional fields left out mean
 * "keep what the store has" (or the default for a new row), never "clear it".
 */

const missing = { required_error: 'is missing', invalid_type_error: 'must be text' };
const text = z.string(missing).trim().min(1, 'is missing');
const flag = z.boolean({ invalid_type_error: 'must be true or false' }).optional();
const email = z
  .string(missing)
  .trim()
  .email('is not an e-mail address')
  .transform((e) => e.toLowerCase());
const tenantId = z
  .string(missing)
  .trim()
  .uuid('must be the Entra tenant id, a GUID')
  .transform((id) => id.toLowerCase());
const domain = z
  .string()
  .trim()
  .regex(/^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/i, 'must be a domain name such as contoso.com')
  .transform((d) => d.toLowerCase());
/** A blocklist entry: an address, or a whole domain written `@example.com`. */
const blockEntry = z
  .string()
  .trim()
  .regex(/^[^\s@]*@[^\s@]+\.[^\s@]+$/, 'must be an e-mail address or @domain')
  // Exactly what the sync filters will read (bot/sync/core/blocklist.ts), so no entry is silently ignored.
  .refine((e) => compileBlocklist([e]).invalid.length === 0, 'must be an e-mail address or @domain')
  .transform((e) => e.toLowerCase());

export const tenantRowSchema = z
  .object({
    id: tenantId,
    name: text,
    domains: z.array(domain, { invalid_type_error: 'must be a list of domains' }).optional(),
    purgeOnDisable: flag,
    blocklist: z.array(blockEntry, { invalid_type_error: 'must be a list of addresses' }).optional(),
  })
  .strict();

export const userRowSchema = z
  .object({
    tenant: tenantId,
    workEmail: email,
    displayName: text,
    admin: flag,
    cloudSyncVisible: flag,
  })
  .strict();

export const contactRowSchema = z
  .object({
    tenant: tenantId,
    externalRef: text.optional(),
    displayName: text,
    kind: z.enum(CONTACT_KINDS, {
      errorMap: () => ({ message: `must be one of ${CONTACT_KINDS.join(', ')}` }),
    }),
    organisation: text.optional(),
    /** The first address is the primary one. */
    emails: z
      .array(email, {
        required_error: 'is missing',
        invalid_type_error: 'must be a list of e-mail addresses',
      })
      .min(1, 'needs at least one e-mail address')
      .transform((list) => [...new Set(list)]),
  })
  .strict();

const appointmentKeySchema = z.object({ tenant: tenantId, crmId: z.string(missing).pipe(crmIdSchema) });

/**
 * An appointment row: its tenant and CRM id, and otherwise exactly the body of
 * `PUT /api/crm/diary/{crmId}`, validated by that request's own schema so the two never drift apart.
 */
export const appointmentRowSchema = z
  .record(z.unknown(), { invalid_type_error: 'must be an object' })
  .transform((row, ctx): { tenant: string; crmId: string; input: AppointmentInput } => {
    const { tenant, crmId, ...body } = row;
    const key = appointmentKeySchema.safeParse({ tenant, crmId });
    const input = appointmentInputSchema.safeParse(body);
    for (const issue of [...(key.error?.issues ?? []), ...(input.error?.issues ?? [])]) ctx.addIssue(issue);
    if (!key.success || !input.success) return z.NEVER;
    return { ...key.data, input: input.data };
  });

export type TenantRow = z.output<typeof tenantRowSchema>;
export type UserRow = z.output<typeof userRowSchema>;
export type ContactRow = z.output<typeof contactRowSchema>;
export type AppointmentRow = z.output<typeof appointmentRowSchema>;

export type CrmRowType = 'tenant' | 'user' | 'contact' | 'appointment';

/** A row as read from the file, before validation, with where it came from. */
export interface RawCrmRow {
  /** Undefined when the file did not say (a CSV row with a bad `type` cell). */
  type?: CrmRowType;
  /** `line 7` (CSV) or `users[3]` (JSON). */
  where: string;
  line?: number;
  data: unknown;
  /** Problems found while reading the row, before its fields are validated. */
  problems: string[];
}

/** A whole-file problem (not JSON, wrong shape, CSV syntax or header): nothing is imported. */
export class CrmInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CrmInputError';
  }
}
