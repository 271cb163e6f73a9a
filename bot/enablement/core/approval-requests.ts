import { z } from 'zod';

/**
 * One admin-consent approval request per tenant while it is pending: every blocked user of the tenant
 * waits on it, a user's repeated attempts update their own entry, and IT's decision applies to all.
 */

const isoTime = z.string().datetime();

export const requesterSchema = z.object({
  aadObjectId: z.string().min(1),
  name: z.string().min(1),
  email: z.string().min(1),
  justification: z.string().optional(),
  firstRequestedAt: isoTime,
  lastRequestedAt: isoTime,
  attempts: z.number().int().positive(),
});
export type Requester = z.infer<typeof requesterSchema>;

export const decisionSchema = z.object({
  outcome: z.enum(['granted', 'declined']),
  /** A person's name; for consent seen by our callback, the administrator who signed in before it. */
  by: z.string().min(1),
  at: isoTime,
  reason: z.string().optional(),
});
export type Decision = z.infer<typeof decisionSchema>;

export const approvalRequestSchema = z.object({
  id: z.string().min(1),
  tenantId: z.string().min(1),
  permissions: z.array(z.string()),
  status: z.enum(['pending', 'granted', 'declined']),
  requesters: z.array(requesterSchema),
  createdAt: isoTime,
  updatedAt: isoTime,
  decision: decisionSchema.optional(),
});
export type ApprovalRequest = z.infer<typeof approvalRequestSchema>;

export interface ConsentAttempt {
  tenantId: string;
  permissions: readonly string[];
  requester: { aadObjectId: string; name: string; email: string };
  at: Date;
}

export type ApprovalResult = { ok: true; request: ApprovalRequest } | { ok: false; error: string };
export type AttemptResult =
  { ok: true; request: ApprovalRequest; created: boolean } | { ok: false; error: string };

const sameUser = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * Adds an attempt to the tenant's pending request, or opens a new one with `newId` when there is none
 * (or the last one was already decided: consent can be removed again after a grant).
 */
export function recordAttempt(
  pending: ApprovalRequest | undefined,
  attempt: ConsentAttempt,
  newId: string,
): AttemptResult {
  const at = attempt.at.toISOString();
  if (pending && pending.tenantId !== attempt.tenantId) {
    return { ok: false, error: 'That approval request belongs to another organisation.' };
  }
  const base: ApprovalRequest =
    pending && pending.status === 'pending'
      ? pending
      : {
          id: newId,
          tenantId: attempt.tenantId,
          permissions: [],
          status: 'pending',
          requesters: [],
          createdAt: at,
          updatedAt: at,
        };
  const existing = base.requesters.find((r) => sameUser(r.aadObjectId, attempt.requester.aadObjectId));
  const requesters = existing
    ? base.requesters.map((r) =>
        r === existing ? { ...r, ...attempt.requester, lastRequestedAt: at, attempts: r.attempts + 1 } : r,
      )
    : [...base.requesters, { ...attempt.requester, firstRequestedAt: at, lastRequestedAt: at, attempts: 1 }];
  const permissions = [...new Set([...base.permissions, ...attempt.permissions])];
  return {
    ok: true,
    created: base !== pending,
    request: { ...base, permissions, requesters, updatedAt: at },
  };
}

function requirePending(request: ApprovalRequest): string | undefined {
  if (request.status === 'pending') return undefined;
  const d = request.decision;
  return `This request was already ${request.status}${d ? ` by ${d.by} at ${d.at}` : ''}.`;
}

export function setJustification(
  request: ApprovalRequest,
  aadObjectId: string,
  justification: string,
  now: Date,
): ApprovalResult {
  const closed = requirePending(request);
  if (closed) return { ok: false, error: closed };
  const text = justification.trim();
  if (text === '') return { ok: false, error: 'Please say briefly why you need Cloud Sync.' };
  if (!request.requesters.some((r) => sameUser(r.aadObjectId, aadObjectId))) {
    return { ok: false, error: 'You are not waiting on this request.' };
  }
  return {
    ok: true,
    request: {
      ...request,
      updatedAt: now.toISOString(),
      requesters: request.requesters.map((r) =>
        sameUser(r.aadObjectId, aadObjectId) ? { ...r, justification: text } : r,
      ),
    },
  };
}

/** A user who retried or gave up no longer waits; the request itself stays for the others. */
export function removeRequester(request: ApprovalRequest, aadObjectId: string, now: Date): ApprovalRequest {
  return {
    ...request,
    updatedAt: now.toISOString(),
    requesters: request.requesters.filter((r) => !sameUser(r.aadObjectId, aadObjectId)),
  };
}

export type DecisionResult =
  { ok: true; request: ApprovalRequest; waitingUsers: string[] } | { ok: false; error: string };

/** Granting resumes every waiting user at sign-in: `waitingUsers` are their Teams object ids. */
export function grantRequest(request: ApprovalRequest, by: string, now: Date): DecisionResult {
  return decide(request, { outcome: 'granted', by, at: now.toISOString() });
}

/** Declining tells every waiting user, with IT's reason. */
export function declineRequest(
  request: ApprovalRequest,
  by: string,
  reason: string,
  now: Date,
): DecisionResult {
  const text = reason.trim();
  if (text === '')
    return { ok: false, error: 'Please give the reason for declining; the users will see it.' };
  return decide(request, { outcome: 'declined', by, at: now.toISOString(), reason: text });
}

function decide(request: ApprovalRequest, decision: Decision): DecisionResult {
  const closed = requirePending(request);
  if (closed) return { ok: false, error: closed };
  return {
    ok: true,
    request: { ...request, status: decision.outcome, decision, updatedAt: decision.at },
    waitingUsers: request.requesters.map((r) => r.aadObjectId),
  };
}
