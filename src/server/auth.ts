// Who may call the dashboard server: a bearer token compared in constant time, whether an address is
// loopback, and the Host check that keeps DNS rebinding away from a server that trusts loopback callers.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** 192 random bits, URL-safe, so it can sit in a URL fragment. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Equal in constant time whatever the lengths (both sides hashed first). */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined || given.length === 0) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/**
 * The token a request carries: `Authorization: Bearer T`, or with `basic`, the password of
 * `Authorization: Basic` (what a browser resends after the login prompt of a non-loopback server).
 */
export function presentedToken(headers: IncomingHttpHeaders, o: { basic: boolean }): string | undefined {
  const h = headers.authorization;
  if (typeof h !== 'string') return undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (bearer) return bearer[1];
  const basic = o.basic ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(h) : null;
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : undefined;
}

/**
 * A server bound to loopback answers only requests addressed to a loopback name: a web page that
 * rebinds its own DNS name to 127.0.0.1 sends its own Host header and is refused.
 */
export function hostAllowed(hostHeader: string | undefined, loopbackOnly: boolean): boolean {
  if (!loopbackOnly) return true;
  if (!hostHeader) return false;
  const name = hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : hostHeader.replace(/:\d+$/, '');
  return isLoopback(name);
}

/** A browser's cross-site POST carries an Origin naming another host; refuse it (no CORS is offered). */
export function originAllowed(origin: string | undefined, hostHeader: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === hostHeader;
  } catch {
    return false;
  }
}
