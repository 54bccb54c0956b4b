// Shared by the demo and element tests: a strict Content-Security-Policy served as a header, a
// page that records every request, CSP violation, page error and dialog, and screenshots saved
// as test artifacts in test-results/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './harness.mjs';

export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const ARTIFACTS = join(ROOT, 'test-results');
mkdirSync(ARTIFACTS, { recursive: true });

/**
 * Opens a page in a fresh context and records what it does. `watch.requests` lists every URL
 * the page and its workers asked for; `watch.foreign` the ones outside `origin` (aborted).
 */
export async function openPage(browser, origin, { viewport = { width: 1280, height: 900 }, colorScheme = 'light', permissions = [] } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, reducedMotion: 'reduce' });
  if (permissions.length) await context.grantPermissions(permissions, { origin });
  const watch = { requests: [], foreign: [], errors: [], console: [], dialogs: [], csp: [] };
  await context.route('**/*', (route) => {
    const url = route.request().url();
    watch.requests.push(url);
    if (url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    watch.foreign.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => watch.errors.push(e.message));
  page.on('console', (m) => {
    watch.console.push(`${m.type()}: ${m.text()}`);
    if (/Content.Security.Policy/i.test(m.text())) watch.csp.push(m.text());
  });
  page.on('dialog', (d) => {
    watch.dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    window.__pwned = [];
    window.alert = (m) => window.__pwned.push(`alert:${m}`);
    // Every element matching a selector, through open shadow roots.
    window.__deep = (selector, root = document) => {
      const out = [];
      const walk = (r) => {
        for (const n of r.querySelectorAll(selector)) out.push(n);
        for (const n of r.querySelectorAll('*')) if (n.shadowRoot) walk(n.shadowRoot);
      };
      walk(root);
      return out;
    };
  });
  watch.check = async () => ({
    csp: [...watch.csp, ...(await page.evaluate(() => window.__csp).catch(() => []))],
    pwned: await page.evaluate(() => window.__pwned).catch(() => []),
  });
  return { context, page, watch };
}

export function shot(page, name, options = {}) {
  return page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true, ...options });
}

