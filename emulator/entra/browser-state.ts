import { randomBytes, randomUUID } from 'node:crypto';

/**
 * What Entra remembers about a browser: its sign-in session (a cookie) and the authorization requests in
 * progress, which the sign-in, consent and approval pages post back by an unguessable flow id.
 */
export const SESSION_COOKIE = 'ESTSAUTH';

export interface BrowserSession {
  id: string;
  userId: string;
  /** Emulator-clock time of sign-in; a sign-in revocation after it ends the session. */
  createdAt: number;
  /** Returned to apps as `session_state`. */
  sessionState: string;
}

export class SessionStore {
  private readonly sessions = new Map<string, BrowserSession>();

  create(userId: string, now: number): BrowserSession {
    const session = {
      id: randomBytes(32).toString('base64url'),
      userId,
      createdAt: now,
      sessionState: randomUUID(),
    };
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string | undefined): BrowserSession | undefined {
    return id ? this.sessions.get(id) : undefined;
  }

  clear(): void {
    this.sessions.clear();
  }
}

export function sessionCookie(session: BrowserSession): string {
  return `${SESSION_COOKIE}=${session.id}; Path=/; Secure; HttpOnly; SameSite=None`;
}

/** Pending flows expire like Microsoft's sign-in pages do, so an abandoned tab cannot be resumed forever. */
const FLOW_LIFETIME_MS = 30 * 60 * 1000;

export class FlowStore<T> {
  private readonly flows = new Map<string, { value: T; expiresAt: number }>();

  create(value: T, now: number): string {
    for (const [id, f] of this.flows) if (f.expiresAt <= now) this.flows.delete(id);
    const id = randomBytes(24).toString('base64url');
    this.flows.set(id, { value, expiresAt: now + FLOW_LIFETIME_MS });
    return id;
  }

  get(id: string | null | undefined, now: number): T | undefined {
    const f = id ? this.flows.get(id) : undefined;
    return f && f.expiresAt > now ? f.value : undefined;
  }

  delete(id: string): void {
    this.flows.delete(id);
  }
}
