import type { User } from '@microsoft/microsoft-graph-types';
import { deleteTokenCache } from '../vault/token-cache-rows.js';
import type { SignedInAccount, SignInHandlers } from './sign-in-routes.js';
import type { ConsentingAdmin } from './admin-sign-in.js';
import { recordAudit } from '../store/audit-log.js';
import type { ResultPage } from './result-page.js';
import { classifyEntraError, type EntraError } from '../enablement/core/consent-errors.js';
import { addressesOf, checkIdentity } from '../enablement/core/identity-check.js';
import type { Actor } from '../enablement/core/states.js';
import type { Logger } from '../logging/logger.js';
import type { Store } from '../store/store.js';
import type { ApprovalFlow } from '../enablement/approval-flow.js';
import type { EnablementService } from '../enablement/enablement-service.js';
import { userGraph, type UserGraphDeps } from '../enablement/user-graph.js';

/**
 * What happens when the browser comes back from Microsoft: identity checks and activation
 * after a sign-in, "Need admin approval" turned into the IT request, and the admin-consent callback
 * resuming everyone who waited. Each answer is the page the browser shows; the chat gets the cards.
 */

export interface SignInHandlerDeps {
  store: Store;
  logger: Logger;
  service: EnablementService;
  approvals: ApprovalFlow;
  graph: UserGraphDeps;
}

const callback: Actor = { kind: 'system', component: 'auth_callback' };

const continueInTeams = (
  title: string,
  message: string,
  tone: ResultPage['tone'] = 'success',
): ResultPage => ({
  tone,
  title,
  message,
});

export function createSignInHandlers(deps: SignInHandlerDeps): SignInHandlers {
  const deleteTokens = (accountId: string) => deleteTokenCache(deps.store.db, accountId);

  return {
    async signInCompleted(accountId: string, account: SignedInAccount): Promise<ResultPage> {
      const owner = await deps.service.owner(accountId);
      if (!owner || !owner.user.teamsAadObjectId) {
        await deleteTokens(accountId);
        return continueInTeams(
          'Sign-in not used',
          'This sign-in does not belong to a Cloud Sync user.',
          'error',
        );
      }
      let me: User;
      try {
        me = (await userGraph(deps.graph, {
          accountId,
          tenantId: account.tenantId,
          objectId: account.objectId,
        })
          .api('/me')
          .select(['id', 'mail', 'userPrincipalName', 'proxyAddresses'])
          .get()) as User;
      } catch (err) {
        deps.logger.warn({ accountId, err: (err as Error).message }, 'could not read the signed-in account');
        await deleteTokens(accountId);
        await deps.service.apply(
          accountId,
          {
            type: 'sign_in_failed',
            cancelled: false,
            reason: 'Microsoft 365 did not tell us who signed in.',
          },
          callback,
          { auditActor: 'auth_callback' },
        );
        return continueInTeams('Sign-in did not work', 'Go back to Teams and try again.', 'error');
      }
      const signedIn = {
        tid: account.tenantId,
        oid: me.id ?? account.objectId,
        mail: me.mail,
        userPrincipalName: me.userPrincipalName ?? account.username,
        proxyAddresses: me.proxyAddresses ?? [],
      };
      const check = checkIdentity(
        {
          tenantId: owner.account.tenantId,
          aadObjectId: owner.user.teamsAadObjectId,
          email: owner.user.workEmail,
        },
        signedIn,
        { workEmail: owner.user.workEmail },
      );
      if (check.outcome !== 'ok') {
        const result = await deps.service.apply(
          accountId,
          {
            type: 'identity_mismatch_detected',
            mismatch: check.outcome,
            signedInAddress: check.signedInAddress,
            expectedAddress: check.expectedAddress,
          },
          callback,
          { auditActor: 'auth_callback' },
        );
        // Refused outright (e.g. the user cancelled meanwhile): the tokens must not stay either.
        if (!result.ok) await deleteTokens(accountId);
        return continueInTeams(
          'The accounts don’t match',
          `You signed in as ${check.signedInAddress}, but Cloud Sync expected ${check.expectedAddress}. Nothing was synced; Teams shows how to fix it.`,
          'error',
        );
      }
      const result = await deps.service.apply(accountId, { type: 'sign_in_completed' }, callback, {
        auditActor: 'auth_callback',
        signedIn: {
          tenantId: account.tenantId,
          objectId: signedIn.oid,
          userPrincipalName: signedIn.userPrincipalName,
          addresses: addressesOf(signedIn),
        },
      });
      if (!result.ok) {
        await deleteTokens(accountId);
        return continueInTeams('This sign-in was not needed', result.error, 'error');
      }
      const after = await deps.service.owner(accountId);
      return after?.account.state === 'active'
        ? continueInTeams('Cloud Sync is on', 'Your mail and diary are now syncing to TriSys.')
        : continueInTeams('Cloud Sync could not be switched on', 'Teams tells you what happened.', 'error');
    },

    async signInFailed(accountId: string, error: EntraError): Promise<ResultPage> {
      const kind = classifyEntraError(error, 'sign_in');
      if (kind.kind === 'admin_consent_required') {
        const result = await deps.service.apply(accountId, { type: 'admin_consent_required' }, callback, {
          auditActor: 'auth_callback',
        });
        return result.ok
          ? continueInTeams(
              'Waiting for your IT team',
              'Your organisation needs IT to approve Cloud Sync once. We have told them; Teams lets you add why you need it.',
              'waiting',
            )
          : continueInTeams('This sign-in was not needed', result.error, 'error');
      }
      const cancelled = kind.kind === 'user_cancelled';
      const reason = cancelled
        ? 'You cancelled the sign-in.'
        : kind.kind === 'other'
          ? kind.message
          : 'Sign-in failed.';
      await deps.service.apply(accountId, { type: 'sign_in_failed', cancelled, reason }, callback, {
        auditActor: 'auth_callback',
      });
      return continueInTeams(
        cancelled ? 'Sign-in cancelled' : 'Sign-in did not work',
        cancelled ? 'Nothing changed. You can start again from Teams at any time.' : reason,
        'error',
      );
    },

    async adminConsentGranted(
      tenantId: string,
      requestId: string,
      admin: ConsentingAdmin,
    ): Promise<ResultPage> {
      // Only the request the link was made for: an old link cannot decide a newer request.
      const result = await deps.approvals.decide(
        requestId,
        { outcome: 'granted' },
        {
          name: `${admin.name} (Microsoft admin consent)`,
          actor: { kind: 'system', component: 'admin_consent_callback' },
          auditActor: 'admin_consent_callback',
        },
      );
      if (!result.ok || result.stale) {
        const why = result.ok ? 'It was decided before this consent arrived.' : result.error;
        return continueInTeams(
          'This approval request was already answered',
          `${why} Nothing else changed; the IT channel's card for the current request has its own link.`,
          'error',
        );
      }
      await recordAudit(deps.store.db, {
        tenant_id: tenantId,
        actor: admin.objectId,
        action: 'admin_consent_given',
        subject: requestId,
        reason: `Microsoft admin consent given by ${admin.name}, signed in to the organisation`,
        at: new Date().toISOString(),
      });
      return continueInTeams(
        'Thank you — Cloud Sync is approved',
        'Everyone who was waiting has been told in Teams and can carry on signing in.',
      );
    },

    async adminConsentFailed(_tenantId: string, _requestId: string, error: EntraError): Promise<ResultPage> {
      deps.logger.info({ error: error.error }, 'admin consent not given');
      return continueInTeams(
        'Consent was not given',
        'Nothing changed. The request stays open in the IT channel; use "Open admin consent" again or mark it declined there.',
        'error',
      );
    },
  };
}
