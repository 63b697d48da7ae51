/**
 * What the UI's bug and role tests share beyond bench/ui-harness.ts: signing in as any user in a browser context
 * of its own, a REST token, and a record of what went wrong in a page (uncaught errors, console errors other than
 * Chromium's own line for a failed request, which no page can silence).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';

export interface Watched { page: Page; context: BrowserContext; problems: string[] }

export async function signedInAs(browser: Browser, url: string, user: { username: string; password: string }, opts: { timezoneId?: string; path?: string } = {}): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...(opts.timezoneId ? { timezoneId: opts.timezoneId } : {}) });
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(`${url}${opts.path ?? '/dags'}`);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return { page, context, problems };
}

/** Collects a page's uncaught errors and console errors as they happen. */
export function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
  return problems;
}

export async function apiToken(url: string, user: { username: string; password: string }): Promise<string> {
  const res = await fetch(`${url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(user) });
  if (!res.ok) throw new Error(`sign-in failed: ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export async function api<T>(url: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
