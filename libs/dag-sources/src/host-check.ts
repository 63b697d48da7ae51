/**
 * The host check of a git source, on what its name resolves to now: a name that leads to a link-local address
 * (cloud metadata) is refused like the address itself. A name that does not resolve is left to the fetch, which
 * then fails with its own clear error.
 */
import { lookup } from 'node:dns/promises';
import { gitHostProblem, isLinkLocal } from './validate.ts';

export async function resolvedHostProblem(url: string, allowed: readonly string[]): Promise<string | null> {
  const named = gitHostProblem(url, allowed);
  if (named) return named;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const addresses = await lookup(host, { all: true }).catch(() => []);
  const bad = addresses.find((a) => isLinkLocal(a.address));
  return bad ? `host "${host}" resolves to ${bad.address}, a link-local (metadata) address, never fetched from` : null;
}
