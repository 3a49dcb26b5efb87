/**
 * A real browser against the app listening on a local port: Debian's Chromium (never a downloaded
 * one) driven by playwright-core, in a fresh profile, Korean by default. Nothing leaves localhost:
 * every request to another origin is aborted and recorded in `offsite`, so a test can assert that
 * a page needs nothing from the outside.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import axe from 'axe-core';
import { chromium, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { buildTestApp, type TestApp } from './app.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** A port nothing listens on right now: listen on port 0, read what the system chose, close. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('no port from the system'));
        return;
      }
      server.close((error) => (error ? reject(error) : resolve(address.port)));
    });
  });
}

export interface BrowserTestApp {
  t: TestApp;
  /** `http://127.0.0.1:<port>`, also the app's PUBLIC_URL. */
  baseUrl: string;
  /** The browser context (a persistent one, in a fresh profile directory). */
  browser: BrowserContext;
  /** URLs of requests to any other origin, all of them aborted. */
  offsite: string[];
  close(): Promise<void>;
}

export interface BrowserTestOptions {
  env?: Record<string, string>;
  /** Extra context options; `locale` is `ko-KR` unless given. */
  context?: Omit<BrowserContextOptions, 'baseURL'>;
}

export async function startBrowserApp(options: BrowserTestOptions = {}): Promise<BrowserTestApp> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const t = await buildTestApp({ env: { PUBLIC_URL: baseUrl, ...options.env } });
  let profile: string | undefined;
  try {
    await t.app.listen({ port, host: '127.0.0.1' });
    profile = await mkdtemp(path.join(os.tmpdir(), 'ieum-chromium-'));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      locale: 'ko-KR',
      ...options.context,
      baseURL: baseUrl,
    });
    const offsite: string[] = [];
    await browser.route('**/*', async (route) => {
      const url = route.request().url();
      if (new URL(url).origin === baseUrl) return route.continue();
      offsite.push(url);
      return route.abort('blockedbyclient');
    });
    const dir = profile;
    return {
      t,
      baseUrl,
      browser,
      offsite,
      close: async () => {
        try {
          await browser.close();
        } finally {
          await t.close();
          await rm(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await t.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    throw error;
  }
}

/**
 * What axe-core (Deque's accessibility rules, WCAG 2.x A and AA) finds wrong on the page as it is
 * now: one line per violation, naming its rule and the elements. axe is evaluated through the
 * DevTools protocol, so the page's CSP (script-src 'self') stays as it is.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const results = await (window as any).axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return results.violations.map((v: any) => `${v.id}: ${v.help} — ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
  });
  return violations as string[];
}
