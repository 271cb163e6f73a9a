/** The page the browser lands on after a sign-in or consent round trip: what happened, and what next. */
export interface ResultPage {
  tone: 'success' | 'waiting' | 'error';
  title: string;
  message: string;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const accent = { success: '#107c10', waiting: '#8a5a00', error: '#a4262c' };

export function renderResultPage(p: ResultPage): string {
  return `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(p.title)} – Cloud Sync</title>
<style>
body{font-family:"Segoe UI",system-ui,sans-serif;margin:0;background:#f5f5f5;color:#242424}
main{max-width:32rem;margin:4rem auto;background:#fff;border-radius:8px;padding:2rem;border-top:6px solid ${accent[p.tone]}}
h1{font-size:1.4rem;margin:0 0 1rem}
p{line-height:1.5}
@media (prefers-color-scheme: dark){body{background:#1f1f1f;color:#fff}main{background:#292929}}
</style>
</head>
<body>
<main role="main" data-tone="${p.tone}">
<h1>${escapeHtml(p.title)}</h1>
<p>${escapeHtml(p.message)}</p>
<p>You can close this window; the conversation continues in Microsoft Teams.</p>
</main>
</body>
</html>`;
}
