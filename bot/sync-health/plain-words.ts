/**
 * Plain words for what the sync worker records as codes, so the tab can answer "why?" without
 * showing Graph's or Entra's raw messages (which can contain addresses and ids).
 */

const SKIP_REASONS: Record<string, string> = {
  private: 'Marked private in Outlook, so it stays out of the CRM',
  confidential: 'Marked confidential in Outlook, so it stays out of the CRM',
  sensitivity_unknown: 'Microsoft 365 did not say whether it is private, so it stays out of the CRM for now',
  blocklisted: 'An address or domain in it is on your or your organisation’s blocklist',
  no_crm_contact: 'Nobody in it is a candidate or client in the CRM',
  internal: 'Everyone in it works at your organisation',
  outside_window: 'It is older (or further ahead) than the period Cloud Sync copies',
  invalid: 'Microsoft 365 sent it without the details needed to file it',
};

export function skipReasonText(reason: string): string {
  return SKIP_REASONS[reason] ?? 'Not copied into the CRM';
}

const ERROR_REASONS: [RegExp, string][] = [
  [
    /invalid_grant|interaction_required|consent|AADSTS(50173|65001|700082|70043)/i,
    'Microsoft 365 no longer accepts the saved sign-in. Reconnect to carry on.',
  ],
  [
    /throttl|429|TooManyRequests/i,
    'Microsoft 365 asked Cloud Sync to slow down; it waits and carries on by itself.',
  ],
  [
    /syncStateNotFound|410|resync/i,
    'Microsoft 365 asked for a fresh start; Cloud Sync re-reads the mailbox without duplicating anything.',
  ],
  [/ErrorAccessDenied|Forbidden|403/i, 'Microsoft 365 refused access to the mailbox or calendar.'],
  [/MailboxNotEnabled|ResourceNotFound|404/i, 'The mailbox or calendar could not be found in Microsoft 365.'],
  [
    /timeout|ETIMEDOUT|ECONNRESET|ECONNREFUSED|ENOTFOUND|network/i,
    'Microsoft 365 could not be reached. Cloud Sync tries again automatically.',
  ],
  [
    /5\d\d|ServiceUnavailable|InternalServerError/i,
    'Microsoft 365 had a temporary problem. Cloud Sync tries again automatically.',
  ],
];

export function errorReasonText(code: string | null, message: string | null): string {
  const probe = `${code ?? ''} ${message ?? ''}`;
  for (const [pattern, text] of ERROR_REASONS) if (pattern.test(probe)) return text;
  return 'The sync stopped with an unexpected error. Cloud Sync tries again at the next run.';
}
