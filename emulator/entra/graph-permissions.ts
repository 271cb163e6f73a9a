/**
 * The Microsoft Graph delegated permissions the emulator knows, with the wording of Microsoft's consent
 * page and whether only an administrator may consent to them. A scope not listed here is rejected the way
 * Entra rejects a scope the resource does not expose.
 */
export interface GraphPermission {
  name: string;
  consentDescription: string;
  adminConsentRequired: boolean;
}

const PERMISSIONS: GraphPermission[] = [
  { name: 'User.Read', consentDescription: 'Sign you in and read your profile', adminConsentRequired: false },
  {
    name: 'User.ReadBasic.All',
    consentDescription: "Read all users' basic profiles",
    adminConsentRequired: false,
  },
  { name: 'User.Read.All', consentDescription: "Read all users' full profiles", adminConsentRequired: true },
  { name: 'Mail.Read', consentDescription: 'Read your mail', adminConsentRequired: false },
  {
    name: 'Mail.ReadBasic',
    consentDescription: 'Read basic mail in your mailbox',
    adminConsentRequired: false,
  },
  {
    name: 'Mail.ReadWrite',
    consentDescription: 'Read and write access to your mail',
    adminConsentRequired: false,
  },
  { name: 'Mail.Send', consentDescription: 'Send mail as you', adminConsentRequired: false },
  { name: 'Calendars.Read', consentDescription: 'Read your calendars', adminConsentRequired: false },
  {
    name: 'Calendars.ReadWrite',
    consentDescription: 'Have full access to your calendars',
    adminConsentRequired: false,
  },
  {
    name: 'MailboxSettings.Read',
    consentDescription: 'Read your mailbox settings',
    adminConsentRequired: false,
  },
  { name: 'Directory.Read.All', consentDescription: 'Read directory data', adminConsentRequired: true },
];

const OIDC: Record<string, string> = {
  openid: 'Sign you in',
  profile: 'View your basic profile',
  email: 'View your email address',
  offline_access: 'Maintain access to data you have given it access to',
};

export function findGraphPermission(name: string): GraphPermission | undefined {
  const n = name.toLowerCase();
  return PERMISSIONS.find((p) => p.name.toLowerCase() === n);
}

/** Text for one line of a consent page. */
export function describePermission(scope: string): string {
  return OIDC[scope] ?? findGraphPermission(scope)?.consentDescription ?? scope;
}
