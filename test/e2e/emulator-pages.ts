import type { Page } from 'playwright-core';

/** Takes a named screenshot of a page (a playground's step screenshots). */
export type Shot = (name: string, page: Page) => Promise<void>;

/**
 * The emulator's pages in the window a card button opened, until our result page: the sign-in form
 * (skipped by the emulator when this browser already has a session), then the permissions page if
 * asked, or "Need admin approval" where the tenant requires it ("Request approval" with `justification`).
 * Resolves with the result page's heading.
 */
export async function throughEmulator(
  popup: Page,
  user: { upn: string; password: string },
  shot: Shot,
  options: { justification?: string } = {},
): Promise<string> {
  const login = popup.locator('#login');
  const accept = popup.getByRole('button', { name: 'Accept' });
  const approval = popup.getByRole('button', { name: 'Request approval' });
  // Our result page: "You can close this window; the conversation continues in Microsoft Teams."
  const result = popup.getByText('You can close this window');
  for (let step = 0; step < 4; step++) {
    await login.or(accept).or(approval).or(result).first().waitFor();
    if (await result.isVisible()) {
      await shot('result-page', popup);
      return popup.getByRole('heading', { level: 1 }).innerText();
    }
    if (await login.isVisible()) {
      await shot('emulator-sign-in', popup);
      await login.fill(user.upn);
      await popup.fill('#passwd', user.password);
      await popup.getByRole('button', { name: 'Sign in' }).click();
    } else if (await accept.isVisible()) {
      await shot('emulator-consent', popup);
      await accept.click();
    } else {
      await shot('emulator-need-admin-approval', popup);
      await popup.fill('#justification', options.justification ?? '');
      await approval.click();
    }
    await popup.waitForLoadState('domcontentloaded');
  }
  throw new Error(`the emulator's pages did not lead back to the app; last page ${popup.url()}`);
}
