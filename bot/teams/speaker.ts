import { TurnContext, type ChannelAccount, type ConversationReference } from 'botbuilder';
import type { Kysely } from 'kysely';
import { isItAdmin, type ItAdminRef } from '../access/it-admin.js';
import type { Actor } from '../enablement/core/states.js';
import type { Logger } from '../logging/logger.js';
import type { Database } from '../store/schema.js';
import type { Owner } from '../cards/card-factory.js';
import {
  accountOfUser,
  bindTeamsUser,
  ensureAccount,
  findCrmUserForTeams,
  findTenant,
  type CrmUser,
  type Tenant,
} from '../crm/crm-directory.js';
import { personalTimeZone, referenceKey, saveReference } from './conversation-refs-store.js';
import { FALLBACK_TIME_ZONE, timeZoneOf } from './activity-time-zone.js';
import { lookupTeamsPerson, type MemberCache, type TeamsPerson } from './member-lookup.js';

/** Who is speaking in this turn, resolved once: Teams identity, organisation, CRM user and roles. */
export interface Speaker {
  person: TeamsPerson;
  tenant: Tenant | undefined;
  crmUser: CrmUser | undefined;
  /**
   * The speaker's own sync account when they are a CRM user. Until they first change something it may
   * exist only in memory (`persisted` false): showing a card writes nothing.
   */
  owner: Owner | undefined;
  persisted: boolean;
  isItAdmin: boolean;
  conversation: 'personal' | 'channel' | 'group_chat';
  /** The zone this turn carried, else the one recorded from an earlier turn, else UTC. */
  timeZone: string;
  actor: Actor;
  /** For the audit log: the CRM user id, else the object id. */
  auditActor: string;
}

export interface SpeakerDeps {
  db: Kysely<Database>;
  logger: Logger;
  /** IT_ADMINS: (tenant id, object id) pairs. */
  itAdmins: readonly ItAdminRef[];
  /** Teams member details asked for recently (member-lookup.ts). */
  members: MemberCache;
}

function conversationKind(context: TurnContext): Speaker['conversation'] {
  const t = context.activity.conversation?.conversationType;
  return t === 'channel' ? 'channel' : t === 'groupChat' ? 'group_chat' : 'personal';
}

export async function resolveSpeaker(deps: SpeakerDeps, context: TurnContext): Promise<Speaker | undefined> {
  const person = await lookupTeamsPerson(context, deps.logger, deps.members);
  if (!person) return undefined;
  const turnZone = timeZoneOf(context.activity);
  if (conversationKind(context) === 'personal' && person.addresses[0]) {
    // Where to reach this person later, with the address Teams gave: an administrator's request can
    // then reach a user who never changed anything (and so is not bound to a CRM user yet).
    const ref = TurnContext.getConversationReference(context.activity) as Partial<ConversationReference>;
    await saveReference(
      deps.db,
      referenceKey(ref),
      { ...ref, user: { ...ref.user!, email: person.addresses[0] } as ChannelAccount },
      { overwrite: true, kind: 'personal', timeZone: turnZone },
    );
  }
  const timeZone =
    turnZone ??
    (await personalTimeZone(deps.db, person.tenantId, { aadObjectId: person.aadObjectId })) ??
    FALLBACK_TIME_ZONE;
  const tenant = await findTenant(deps.db, person.tenantId);
  const found = tenant ? await findCrmUserForTeams(deps.db, person) : undefined;
  // Shown as bound to this Teams user, which it will be on the first change (ensureOwner).
  const crmUser = found ? { ...found, teamsAadObjectId: person.aadObjectId } : undefined;
  const stored = crmUser ? await accountOfUser(deps.db, crmUser) : undefined;
  const account =
    stored ??
    (crmUser
      ? {
          id: '',
          tenantId: crmUser.tenantId,
          crmUserId: crmUser.id,
          state: crmUser.visible ? ('ready' as const) : ('not_visible' as const),
          stateReason: null,
        }
      : undefined);
  // Teams activities carry no directory roles: the CRM and the configured list decide here.
  const itAdmin = isItAdmin(
    { tenantId: person.tenantId, objectId: person.aadObjectId, crmAdmin: crmUser?.isAdmin ?? false },
    deps.itAdmins,
  );
  return {
    person,
    tenant,
    crmUser,
    owner: crmUser && account ? { account, user: crmUser } : undefined,
    persisted: stored !== undefined && found?.teamsAadObjectId === person.aadObjectId,
    isItAdmin: itAdmin,
    conversation: conversationKind(context),
    timeZone,
    actor: {
      kind: 'person',
      aadObjectId: person.aadObjectId,
      crmAdmin: crmUser?.isAdmin ?? false,
      itAdmin,
    },
    auditActor: crmUser?.id ?? person.aadObjectId,
  };
}

/** Binds the CRM user to the speaker and creates their account, before the first step is applied. */
export async function ensureOwner(db: Kysely<Database>, speaker: Speaker): Promise<Owner | undefined> {
  const owner = speaker.owner;
  if (!owner) return undefined;
  if (speaker.persisted) return owner;
  if (!(await bindTeamsUser(db, owner.user, speaker.person.aadObjectId))) return undefined;
  const account = await ensureAccount(db, owner.user);
  return { account, user: owner.user };
}
