// Helpers shared by the end-to-end tests: reading kubectl's tables the way a person reads them, raw HTTPS
// requests to a region's API server, manifests written to a temp dir, and the referee's report.
import { request } from 'node:https';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RefereeReport } from '../../src/sandbox/referee.ts';
import type { KubectlResult, SandboxClient } from '../support/sandbox.ts';

/** Real-time budget for one test that waits on the sandbox: generous for a 2-core CI machine. */
export const WAIT_MS = 20_000;

/**
 * The rows of a kubectl table, keyed by column header. Columns are cut at the header's positions, as
 * kubectl left-aligns every value under its header, so values with spaces (OS-IMAGE) stay whole; a header
 * may hold a single space (NOMINATED NODE).
 */
export function tableRows(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0];
  if (header === undefined) return [];
  const starts = [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], at: m.index }));
  return lines.slice(1).map((line) =>
    Object.fromEntries(starts.map((c, i) => [c.name, line.slice(c.at, starts[i + 1]?.at ?? line.length).trim()])),
  );
}

/** The header names of a kubectl table. */
export function tableHeader(text: string): string[] {
  return (text.split('\n')[0] ?? '').trim().split(/\s{2,}/);
}

/** Fails with kubectl's own output when it did not exit 0; returns stdout. */
export function ok(r: KubectlResult, what: string): string {
  if (r.code !== 0) throw new Error(`${what}: kubectl exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r.stdout;
}

export interface RawResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface RawRequest {
  readonly method?: string;
  readonly path: string;
  /** Bearer token; the sandbox's own when omitted, no Authorization header at all when null. */
  readonly token?: string | null;
  readonly body?: unknown;
}

/** One HTTPS request to a region's API server, trusting only the sandbox's CA. */
export function rawRequest(ts: SandboxClient, region: string, r: RawRequest): Promise<RawResponse> {
  const server = ts.target(region);
  const token = r.token === undefined ? server.token : r.token;
  const payload = r.body === undefined ? undefined : JSON.stringify(r.body);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (payload !== undefined) headers['content-type'] = 'application/json';
  return new Promise<RawResponse>((resolve, reject) => {
    const req = request(`${server.url}${r.path}`, { method: r.method ?? 'GET', ca: server.caPem, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** The simulated engine's referee report, on a region's API port (`startEngineSandbox`'s `referee` reads either engine's). */
export async function referee(ts: SandboxClient, region = 'eu-central'): Promise<RefereeReport> {
  return (await ts.api(region, '/sandbox/v1/referee')) as RefereeReport;
}

/** A temp dir for manifests; `remove` deletes it. */
export async function manifestDir(): Promise<{ write(name: string, text: string): Promise<string>; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'daylight-e2e-'));
  return {
    write: async (name, text) => {
      const path = join(dir, name);
      await writeFile(path, text);
      return path;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** `name<TAB>ownerKind` for every pod on a node, through kubectl's field selector. */
export async function podsOnNode(ts: SandboxClient, node: string): Promise<{ name: string; owner: string }[]> {
  const out = ok(
    await ts.kubectl(['get', 'pods', '-A', '--field-selector', `spec.nodeName=${node}`, '-o', 'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\t"}{.metadata.ownerReferences[0].kind}{"\\n"}{end}']),
    `list pods on ${node}`,
  );
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [name = '', owner = ''] = l.split('\t');
      return { name, owner };
    });
}
