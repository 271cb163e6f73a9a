import { html, type EmuResponse } from '../http.js';

/**
 * The HTML pages of the emulator's sign-in experience. They follow Microsoft's sequence and wording
 * (sign in → permissions requested → or "Need admin approval") with plain forms, so a test can drive them
 * over HTTP and a person can click through them in a browser. Every value is escaped.
 */

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Pages are never framed and never cached: they carry one-time flow ids.
const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action *",
};

function page(title: string, body: string, extraHeaders: Record<string, string> = {}): EmuResponse {
  return html(
    200,
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:"Segoe UI",system-ui,sans-serif;background:#f2f2f2;margin:0}
main{background:#fff;max-width:440px;margin:48px auto;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:24px;font-weight:600;margin:0 0 16px}
label{display:block;margin:12px 0 4px}
input[type=text],input[type=email],input[type=password],textarea{width:100%;box-sizing:border-box;padding:6px}
button{background:#0067b8;color:#fff;border:0;padding:8px 24px;margin:16px 8px 0 0;cursor:pointer}
button.secondary{background:#ccc;color:#000}
.error{color:#e81123}
.note{color:#666;font-size:13px}
</style></head>
<body><main>
<p class="note">Microsoft 365 emulator (local development only)</p>
${body}
</main></body></html>`,
    { ...PAGE_HEADERS, ...extraHeaders },
  );
}

function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
}

export function signInPage(p: {
  action: string;
  flowId: string;
  appName: string;
  loginHint?: string;
  error?: string;
}): EmuResponse {
  return page(
    'Sign in to your account',
    `<h1>Sign in</h1>
<p>to continue to ${escapeHtml(p.appName)}</p>
${p.error ? `<p class="error" role="alert">${escapeHtml(p.error)}</p>` : ''}
<form method="post" action="${escapeHtml(p.action)}">
${hidden('flow', p.flowId)}
<label for="login">Email, phone, or Skype</label>
<input type="email" id="login" name="login" autocomplete="username" value="${escapeHtml(p.loginHint ?? '')}" required>
<label for="passwd">Password</label>
<input type="password" id="passwd" name="passwd" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
  );
}

export function consentPage(p: {
  action: string;
  flowId: string;
  appName: string;
  userPrincipalName: string;
  permissions: string[];
  /** An administrator may consent for the whole organization. */
  offerOrganizationConsent: boolean;
  /** The admin-consent endpoint: the consent is for the organization, no checkbox. */
  forOrganization?: boolean;
}): EmuResponse {
  const org = p.forOrganization
    ? '<p>If you accept, this app will get access to the specified resources for all users in your organization. No one else will be prompted to review these permissions.</p>'
    : p.offerOrganizationConsent
      ? '<label><input type="checkbox" name="consent_on_behalf" value="true"> Consent on behalf of your organization</label>'
      : '';
  return page(
    'Permissions requested',
    `<h1>Permissions requested</h1>
<p>${escapeHtml(p.userPrincipalName)}</p>
<p><strong>${escapeHtml(p.appName)}</strong></p>
<p>This app would like to:</p>
<ul>${p.permissions.map((d) => `<li>${escapeHtml(d)}</li>`).join('')}</ul>
<form method="post" action="${escapeHtml(p.action)}">
${hidden('flow', p.flowId)}
${org}
<p class="note">Accepting these permissions means that you allow this app to use your data as specified in their terms of service and privacy statement.</p>
<button type="submit" name="decision" value="cancel" class="secondary">Cancel</button>
<button type="submit" name="decision" value="accept">Accept</button>
</form>`,
  );
}

export function needAdminApprovalPage(p: {
  appName: string;
  userPrincipalName: string;
  message: string;
  /** Present when the user may send an admin-consent request ("Request approval"). */
  request?: { action: string; flowId: string };
  returnUrl: string;
}): EmuResponse {
  const request = p.request
    ? `<form method="post" action="${escapeHtml(p.request.action)}">
${hidden('flow', p.request.flowId)}
<label for="justification">Enter justification for requesting this app</label>
<textarea id="justification" name="justification" rows="4" maxlength="1000"></textarea>
<button type="submit">Request approval</button>
</form>`
    : '';
  return page(
    'Need admin approval',
    `<h1>Need admin approval</h1>
<p>${escapeHtml(p.userPrincipalName)}</p>
<p><strong>${escapeHtml(p.appName)}</strong></p>
<p>${escapeHtml(p.message)}</p>
${request}
<p><a id="return" href="${escapeHtml(p.returnUrl)}">Return to the application without consenting</a></p>`,
  );
}

export function errorPage(p: { title: string; description: string }): EmuResponse {
  const res = page(
    p.title,
    `<h1>${escapeHtml(p.title)}</h1>
<pre class="error" role="alert">${escapeHtml(p.description)}</pre>`,
  );
  return { ...res, status: 400 };
}

/** `response_mode=form_post`: the browser posts the response to the app itself. */
export function formPostPage(action: string, params: Record<string, string>): EmuResponse {
  return html(
    200,
    `<!doctype html>
<html><head><title>Working...</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="${escapeHtml(action)}">
${Object.entries(params)
  .map(([k, v]) => hidden(k, v))
  .join('\n')}
<noscript><button type="submit">Continue</button></noscript>
</form></body></html>`,
    { 'cache-control': 'no-store' },
  );
}
