import type { User } from '@microsoft/microsoft-graph-types';
import { deleteTokenCache } from '../vault/token-cache-rows.js';
import { IDENTITY_SCOPES, identifyUrl, type IdentityHandlers } from '../sign-in/identity-sign-in.js';
import type { ResultPage } from '../sign-in/result-page.js';
import { buildEmailCorrectionRequestCard } from '../cards/admin-cards.js';
import { signCardRef } from '../cards/card-refs.js';
import type { CardVerb } from '../cards/card-actions.js';
import type { AdaptiveCardJson } from '../cards/expand.js';
import {
  type AskedAdmins,
  buildIdentityNotFoundCard,
  buildItAdminCard,
  buildNotMappedCard,
  buildWelcomeCard,
} from '../cards/user-cards.js';
import { classifyEntraError } from './core/consent-errors.js';
import type { Actor } from './core/states.js';
import { accountAddresses } from './core/user-matching.js';
import type { Logger } from '../logging/logger.js';
import type { Store } from '../store/store.js';
import { mismatchFromReason, type CardFactory, type Owner } from '../cards/card-factory.js';
import {
  accountOfUser,
  bindTeamsUser,
  ensureAccount,
  findCrmUserBySignedInAddresses,
  findCrmUserForTeams,
  type CrmUser,
} from '../crm/crm-directory.js';
import type { EnablementService } from './enablement-service.js';
import {
  askedAdmins,
  claimAsk,
  correctWorkEmail,
  identityRequestById,
  markResolved,
  releaseAsk,
  openIdentityRequestOf,
  openUnmatchedRequests,
  recordIdentityRequest,
  unlinkedCrmUsers,
  type IdentityRequest,
} from './identity-requests.js';
import type { Notifier } from '../teams/notifier.js';
import { withRefresh } from '../cards/card-freshness.js';
import { requestCards } from './request-cards-store.js';
import { sendToCrmAdmins } from './request-to-admins.js';
import type { Speaker } from '../teams/speaker.js';
import { userGraph, type UserGraphDeps } from './user-graph.js';
import { FALLBACK_TIME_ZONE } from '../teams/activity-time-zone.js';
import { personalTimeZone } from '../teams/conversation-refs-store.js';

/**
 * Teams user → CRM user without dead ends. A speaker the Teams addresses did not
 * match is offered a sign-in that tries every address of their Microsoft 365 account; when none is a
 * CRM work e-mail they can ask their CRM administrators, whose correction (a button on the request card,
 * or a CRM import) tells them and lets them carry on. IT administrators without a CRM user are greeted
 * as IT.
 */

export const REFRESH_IDENTITY_VERB: CardVerb = 'refresh_identity_request';

export interface IdentityFlowDeps {
  store: Store;
  logger: Logger;
  notifier: Notifier;
  cards: CardFactory;
  /** The enablement service is built after this flow (it asks this flow for corrections). */
  service: () => EnablementService;
  graph: UserGraphDeps;
  cardKey: Buffer;
  ticketKey: Uint8Array;
  publicUrl: string;
  now?: () => Date;
}

export interface IdentityFlow extends IdentityHandlers {
  /** The card for a speaker without a CRM user: IT's greeting, the open request, or the sign-in offer. */
  unmappedCard(speaker: Speaker): Promise<AdaptiveCardJson>;
  /** "Ask my CRM administrator" from the not-found card. */
  askAdmins(
    requestId: string,
    askedBy: string,
  ): Promise<{ ok: true; card: AdaptiveCardJson } | { ok: false; error: string; settled?: true }>;
  /** When the speaker's open correction request was sent and to whom, if it was. */
  asked(tenantId: string, teamsObjectId: string): Promise<AskedAdmins | undefined>;
  /** A mapped user whose sign-in did not match their work e-mail asks for it to be corrected. */
  askCorrection(owner: Owner): Promise<void>;
  /** The administrator's button: set the work e-mail, tell the user, resume them. */
  correct(
    admin: CrmUser | undefined,
    requestId: string,
    crmUserId: string | undefined,
    /** The address the administrator typed on the card; without it the suggested one. */
    workEmail?: string,
  ): Promise<{ ok: true; card: AdaptiveCardJson; stale?: true } | { ok: false; error: string }>;
  /** The administrators' card for the request as it now stands (a card's refresh). */
  adminCardFor(
    admin: CrmUser | undefined,
    requestId: string,
  ): Promise<{ ok: true; card: AdaptiveCardJson } | { ok: false; error: string }>;
  /** Resolves open requests whose addresses a CRM import has since given to a CRM user. */
  sweep(): Promise<number>;
}

const page = (tone: ResultPage['tone'], title: string, message: string): ResultPage => ({
  tone,
  title,
  message,
});

export function createIdentityFlow(deps: IdentityFlowDeps): IdentityFlow {
  const db = deps.store.db;
  const now = deps.now ?? (() => new Date());
  const requestRef = (r: IdentityRequest) =>
    signCardRef(
      { kind: 'identity_request', id: r.id, tenantId: r.tenantId },
      { key: deps.cardKey, now: now() },
    );

  const askedOf = (r: IdentityRequest): Promise<AskedAdmins | undefined> => askedAdmins(db, r);

  const notFoundCard = async (r: IdentityRequest) =>
    buildIdentityNotFoundCard({
      ref: await requestRef(r),
      addresses: r.addressesTried,
      suggestedAddress: r.suggestedAddress,
      requested: r.status === 'asked',
      asked: await askedOf(r),
      timeZone:
        (await personalTimeZone(db, r.tenantId, { aadObjectId: r.teamsObjectId })) ?? FALLBACK_TIME_ZONE,
    });

  /** Once settled, what every administrator's card says instead of its button. */
  const settledText = (r: IdentityRequest) =>
    r.resolution ?? 'Sorted out: this person is now linked to their TriSys user, so nothing more is needed.';

  /** The administrators' card as the request stands; while open, Teams refreshes it for them on view. */
  async function currentAdminCard(r: IdentityRequest): Promise<AdaptiveCardJson> {
    if (r.status === 'resolved') return adminCard(r, settledText(r));
    const drawn = await adminCard(r);
    const recipients = await requestCards(db, 'identity', r.id);
    return withRefresh(
      drawn,
      { verb: REFRESH_IDENTITY_VERB, data: { ref: await requestRef(r) } },
      recipients.flatMap((p) => (p.recipientId ? [p.recipientId] : [])),
    );
  }

  /** Every card posted for the request shows it as it now stands. */
  async function redraw(requestId: string): Promise<void> {
    const r = await identityRequestById(db, requestId);
    if (!r) return;
    const drawn = await currentAdminCard(r);
    for (const posted of await requestCards(db, 'identity', requestId)) {
      if (!posted.activityId) continue;
      try {
        await deps.notifier.update(posted.conversationKey, posted.activityId, drawn);
      } catch (err) {
        deps.logger.warn({ requestId, err: (err as Error).message }, 'could not update a correction card');
      }
    }
  }

  async function adminCard(r: IdentityRequest, done?: string): Promise<AdaptiveCardJson> {
    const known = r.crmUserId
      ? await db.selectFrom('crm_users').select('work_email').where('id', '=', r.crmUserId).executeTakeFirst()
      : undefined;
    return buildEmailCorrectionRequestCard({
      ref: await requestRef(r),
      userName: r.teamsName,
      signedInAddress: r.suggestedAddress,
      crmAddress: known?.work_email ?? '',
      addressesTried: r.addressesTried,
      crmUsers: r.crmUserId ? [] : await unlinkedCrmUsers(db, r.tenantId),
      done,
    });
  }

  /** Sends the request to every CRM administrator, remembering each card for the decision's redraw. */
  async function toAdmins(request: IdentityRequest): Promise<number> {
    const card = await currentAdminCard(request);
    const reached = await sendToCrmAdmins(db, deps.notifier, 'identity', request, async () => card);
    // Only now is it known who received it: every card then names them all for Teams' refresh.
    if (reached > 0) await redraw(request.id);
    return reached;
  }

  /** Sends the request unless it was already sent (of two presses at once, one sends). */
  async function askOnce(request: IdentityRequest): Promise<number | 'already'> {
    if (!(await claimAsk(db, request.id, now()))) return 'already';
    const reached = await toAdmins({ ...request, status: 'asked' });
    if (reached === 0) await releaseAsk(db, request.id);
    return reached;
  }

  /** The user's own card once they are a CRM user: where they stand, with the good news of being found. */
  async function tellLinked(user: CrmUser, notice: string): Promise<void> {
    const account = await ensureAccount(db, user);
    const owner: Owner = { account, user };
    await deps.notifier.toUser(
      user.tenantId,
      { aadObjectId: user.teamsAadObjectId },
      buildWelcomeCard({
        displayName: user.displayName,
        state: account.state,
        ref: await deps.cards.accountRef(owner),
        crmAdmin: user.isAdmin,
        notice,
        noticeTone: 'good',
      }),
    );
  }

  async function readAccount(
    teams: { tenantId: string; objectId: string },
    tokenKey: string,
  ): Promise<User | undefined> {
    try {
      return (await userGraph(
        { ...deps.graph, scopes: IDENTITY_SCOPES },
        { accountId: tokenKey, tenantId: teams.tenantId, objectId: teams.objectId },
      )
        .api('/me')
        .select(['id', 'mail', 'userPrincipalName', 'proxyAddresses', 'displayName'])
        .get()) as User;
    } catch (err) {
      deps.logger.warn({ err: (err as Error).message }, 'identity sign-in: could not read the account');
      return undefined;
    } finally {
      // Only the addresses were needed; no token of this sign-in is kept.
      await deleteTokenCache(db, tokenKey);
    }
  }

  return {
    async unmappedCard(speaker) {
      const { person } = speaker;
      if (speaker.isItAdmin) {
        return buildItAdminCard({
          name: person.name || person.addresses[0] || 'there',
          organisation: speaker.tenant?.name ?? 'your organisation',
          tabUrl: deps.cards.tabUrl,
        });
      }
      const open = speaker.tenant
        ? await openIdentityRequestOf(db, person.tenantId, person.aadObjectId)
        : undefined;
      if (open) return notFoundCard(open);
      return buildNotMappedCard({
        teamsAddresses: person.addresses,
        identifyUrl: speaker.tenant
          ? await identifyUrl(
              deps,
              {
                tenantId: person.tenantId,
                aadObjectId: person.aadObjectId,
                loginHint: person.upn ?? person.email,
              },
              now(),
            )
          : undefined,
      });
    },

    async identified(teams, account, tokenKey) {
      const me = await readAccount(teams, tokenKey);
      if (!me)
        return page(
          'error',
          'Sign-in did not work',
          'Microsoft 365 did not tell us who signed in. Go back to Teams and try again.',
        );
      const sameUser =
        account.tenantId.toLowerCase() === teams.tenantId.toLowerCase() &&
        (me.id ?? account.objectId).toLowerCase() === teams.objectId.toLowerCase();
      if (!sameUser) {
        return page(
          'error',
          'That is not your Teams account',
          'You signed in to Microsoft 365 as someone other than the person using Teams here. Nothing was recorded; sign in with the account you use for Teams.',
        );
      }
      const addresses = accountAddresses(me);
      const match = await findCrmUserBySignedInAddresses(db, teams.tenantId, teams.objectId, addresses);
      if (match && (await bindTeamsUser(db, match.user, teams.objectId))) {
        const open = await openIdentityRequestOf(db, teams.tenantId, teams.objectId);
        if (open) await markResolved(db, open.id, match.user.id);
        await tellLinked(
          { ...match.user, teamsAadObjectId: teams.objectId },
          `Found you: ${match.address}, an address of your Microsoft 365 account, is your TriSys work e-mail.`,
        );
        return page(
          'success',
          'We found you in TriSys',
          `${match.address} is your TriSys work e-mail. Go back to Teams to carry on.`,
        );
      }
      const known = await findCrmUserForTeams(db, { tenantId: teams.tenantId, aadObjectId: teams.objectId });
      if (known) {
        return page(
          'success',
          'You are already linked',
          `Teams already knows you as ${known.workEmail}. Go back to Teams to carry on.`,
        );
      }
      const request = await recordIdentityRequest(db, {
        tenantId: teams.tenantId,
        teamsObjectId: teams.objectId,
        teamsName: me.displayName ?? account.username,
        addressesTried: addresses,
        suggestedAddress: addresses[0] ?? account.username,
        crmUserId: null,
      });
      await deps.notifier.toUser(
        teams.tenantId,
        { aadObjectId: teams.objectId },
        await notFoundCard(request),
      );
      return page(
        'error',
        'No TriSys user has your addresses',
        `We tried ${request.addressesTried.join(', ')}. Teams shows how your TriSys administrator can fix it.`,
      );
    },

    async identifyFailed(_teams, error) {
      const kind = classifyEntraError(error, 'sign_in');
      if (kind.kind === 'admin_consent_required') {
        return page(
          'waiting',
          'Your IT team must approve Cloud Sync first',
          'Your organisation lets only IT approve apps. Ask IT to approve Cloud Sync, or ask your TriSys administrator to put your address on your TriSys user record.',
        );
      }
      return page(
        'error',
        kind.kind === 'user_cancelled' ? 'Sign-in cancelled' : 'Sign-in did not work',
        'Nothing was recorded. You can try again from Teams at any time.',
      );
    },

    async askAdmins(requestId, askedBy) {
      const request = await identityRequestById(db, requestId);
      if (!request || request.teamsObjectId.toLowerCase() !== askedBy.toLowerCase()) {
        return { ok: false, error: 'This card belongs to someone else, so only they can use its buttons.' };
      }
      if (request.status === 'resolved')
        return { ok: false, settled: true, error: 'This has already been sorted out. Type "help".' };
      const reached = await askOnce(request);
      if (reached === 'already') {
        const current = (await identityRequestById(db, request.id)) ?? request;
        return { ok: true, card: await notFoundCard(current) };
      }
      if (reached === 0) {
        return {
          ok: false,
          error:
            'None of your TriSys administrators has Cloud Sync in Teams yet, so we could not ask them. Ask them directly.',
        };
      }
      deps.logger.info(
        { tenantId: request.tenantId, reached },
        'CRM administrators asked to correct a work e-mail',
      );
      return { ok: true, card: await notFoundCard((await identityRequestById(db, request.id)) ?? request) };
    },

    async asked(tenantId, teamsObjectId) {
      const open = await openIdentityRequestOf(db, tenantId, teamsObjectId);
      return open ? askedOf(open) : undefined;
    },

    async askCorrection(owner) {
      const m = mismatchFromReason(owner.account.stateReason);
      if (!owner.user.teamsAadObjectId || !m) return;
      const request = await recordIdentityRequest(db, {
        tenantId: owner.account.tenantId,
        teamsObjectId: owner.user.teamsAadObjectId,
        teamsName: owner.user.displayName,
        addressesTried: [m.signedIn],
        suggestedAddress: m.signedIn,
        crmUserId: owner.user.id,
      });
      const reached = await askOnce(request);
      if (reached === 'already') return;
      deps.logger.info(
        { tenantId: owner.account.tenantId, reached },
        'CRM administrators asked to correct a work e-mail',
      );
    },

    async correct(admin, requestId, crmUserId, workEmail) {
      if (!admin?.isAdmin)
        return { ok: false, error: 'Only a TriSys administrator can correct a work e-mail.' };
      const request = await identityRequestById(db, requestId);
      if (!request || request.tenantId !== admin.tenantId) {
        return { ok: false, error: 'This request is not from your organisation.' };
      }
      // Settled already (by another administrator's card, or an import): this card catches up.
      if (request.status === 'resolved')
        return { ok: true, stale: true, card: await currentAdminCard(request) };
      const result = await correctWorkEmail(db, admin, request, crmUserId, workEmail);
      if (!result.ok) return { ok: false, error: result.message };
      const done = `Done: ${result.user.displayName}'s work e-mail is now ${result.user.workEmail} (was ${result.previousEmail}), set by ${admin.displayName}. They have been told in Teams.`;
      if (!(await markResolved(db, request.id, result.user.id, done))) {
        return { ok: true, stale: true, card: await currentAdminCard(request) };
      }
      await redraw(request.id);
      const account = await accountOfUser(db, result.user);
      const actor: Actor = {
        kind: 'person',
        aadObjectId: admin.teamsAadObjectId ?? admin.id,
        crmAdmin: true,
        itAdmin: false,
      };
      if (account?.state === 'identity_mismatch') {
        await deps
          .service()
          .apply(account.id, { type: 'work_email_corrected', address: result.user.workEmail }, actor, {
            auditActor: admin.id,
          });
      } else {
        await tellLinked(
          result.user,
          `Your TriSys administrator set your work e-mail to ${result.user.workEmail}, so Cloud Sync knows you now.`,
        );
      }
      return { ok: true, card: await adminCard({ ...request, crmUserId: result.user.id }, done) };
    },

    async adminCardFor(admin, requestId) {
      if (!admin?.isAdmin)
        return { ok: false, error: 'Only a TriSys administrator can correct a work e-mail.' };
      const request = await identityRequestById(db, requestId);
      if (!request || request.tenantId !== admin.tenantId) {
        return { ok: false, error: 'This request is not from your organisation.' };
      }
      return { ok: true, card: await currentAdminCard(request) };
    },

    async sweep() {
      let resolved = 0;
      for (const request of await openUnmatchedRequests(db)) {
        const match = await findCrmUserBySignedInAddresses(
          db,
          request.tenantId,
          request.teamsObjectId,
          request.addressesTried,
        );
        if (!match || !(await bindTeamsUser(db, match.user, request.teamsObjectId))) continue;
        if (!(await markResolved(db, request.id, match.user.id))) continue;
        resolved += 1;
        await tellLinked(
          { ...match.user, teamsAadObjectId: request.teamsObjectId },
          `Your TriSys administrator added ${match.address} as your work e-mail, so Cloud Sync knows you now.`,
        );
      }
      return resolved;
    },
  };
}
