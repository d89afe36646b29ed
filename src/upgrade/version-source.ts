// spec.versionSource's adapters: a JSON or YAML file, read afresh at each question (so a release published
// during a run is seen by a run that asks again), or an http(s) URL answering the same document:
// {"kubernetes": ["v1.31.1", "v1.31.2"]}.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { VersionSource } from '../engine/ports/versions.ts';
import { errorMessage, isAbortError } from '../lib/errors.ts';

type Spec = { readonly type: 'file'; readonly path: string } | { readonly type: 'http'; readonly url: string };

/** How long one question to an http source may take. */
const HTTP_TIMEOUT_MS = 10_000;

export function versionSource(spec: Spec): VersionSource {
  const describe = spec.type === 'file' ? spec.path : spec.url;
  const read = async (signal: AbortSignal): Promise<string> => {
    if (spec.type === 'file') return readFile(spec.path, { encoding: 'utf8', signal });
    const r = await fetch(spec.url, { signal: AbortSignal.any([signal, AbortSignal.timeout(HTTP_TIMEOUT_MS)]), headers: { accept: 'application/json' } });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    return r.text();
  };
  return {
    describe,
    async kubernetes(signal) {
      let text: string;
      try {
        text = await read(signal);
      } catch (e: unknown) {
        if (isAbortError(e) && signal.aborted) throw e;
        throw new Error(`the version source ${describe} cannot be read: ${errorMessage(e)}`, { cause: e });
      }
      let doc: unknown;
      try {
        doc = parse(text);
      } catch (e: unknown) {
        throw new Error(`the version source ${describe} is not JSON or YAML: ${errorMessage(e)}`, { cause: e });
      }
      const list = (doc as { kubernetes?: unknown } | null)?.kubernetes;
      if (!Array.isArray(list) || list.some((v) => typeof v !== 'string')) throw new Error(`the version source ${describe} has no list "kubernetes" of versions; write {"kubernetes": ["v1.31.1", "v1.31.2"]}`);
      return list as string[];
    },
  };
}
