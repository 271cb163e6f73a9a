import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Request, Response, Server } from 'restify';

/**
 * Serves the built tab (tab/dist) under /tab/. Teams shows it in an iframe, so frame-ancestors names
 * the Microsoft 365 hosts (Microsoft's published list); everything else is same-origin only. Styles
 * allow 'unsafe-inline' because Fluent UI (Griffel) injects its CSS at run time; scripts do not.
 */

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

export const TEAMS_FRAME_ANCESTORS = [
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://*.cloud.microsoft',
  'https://*.microsoft365.com',
  'https://*.office.com',
  'https://outlook.office.com',
  'https://outlook.office365.com',
];

export interface TabStaticOptions {
  /** The Vite output folder. */
  distDir: string;
  /** Extra hosts allowed to frame the tab (a local Teams test host). */
  extraFrameAncestors?: readonly string[];
}

export function contentSecurityPolicy(extraFrameAncestors: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    `frame-ancestors 'self' ${[...TEAMS_FRAME_ANCESTORS, ...extraFrameAncestors].join(' ')}`,
  ].join('; ');
}

export function registerTabStatic(server: Server, options: TabStaticOptions): void {
  const root = path.resolve(options.distDir);
  const csp = contentSecurityPolicy(options.extraFrameAncestors);

  const serve = async (req: Request, res: Response): Promise<void> => {
    let relative: string;
    try {
      relative = decodeURIComponent(req.getPath().replace(/^\/tab\/?/, '')) || 'index.html';
    } catch {
      relative = '';
    }
    const file = path.resolve(root, relative);
    // Anything resolving outside dist (../, absolute paths, encoded tricks) is simply not found.
    const inside = file.startsWith(root + path.sep);
    const type = CONTENT_TYPES[path.extname(file)];
    const found =
      relative !== '' && inside && type !== undefined && (await stat(file).catch(() => null))?.isFile();
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (!found || !type) {
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      const built = await stat(path.join(root, 'index.html')).catch(() => null);
      res.sendRaw(
        built ? 404 : 503,
        built ? 'Not found' : 'The tab is not built yet: run `npm run build:tab`.',
      );
      return;
    }
    res.setHeader('Content-Type', type);
    res.setHeader('Content-Security-Policy', csp);
    // Vite fingerprints everything under assets/; pages must be revalidated to pick up a new build.
    res.setHeader(
      'Cache-Control',
      relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
    res.sendRaw(200, await readFile(file));
  };

  server.get('/tab', async (_req: Request, res: Response) => {
    res.setHeader('Location', '/tab/');
    res.sendRaw(302, '');
  });
  server.get('/tab/*', serve);
}
