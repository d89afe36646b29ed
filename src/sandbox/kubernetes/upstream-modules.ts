// Which upstream binaries the kubernetes engine runs (and the tools tests run beside it, such as Helm) and
// which Go module under lab/ builds each, with the pinned versions read from those go.mod files, so the
// build and its cache key have one source.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type UpstreamName = 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'etcd' | 'kwok' | 'helm';

export interface UpstreamBinary {
  readonly name: UpstreamName;
  /** The Go module (a directory under lab/ with its own go.mod) the binary is built from. */
  readonly moduleDir: string;
  /** The upstream module that provides the command; its version is the one pinned in moduleDir/go.mod. */
  readonly upstreamModule: string;
  /** The main package passed to `go build`. */
  readonly mainPackage: string;
  /**
   * engine: a component the kubernetes engine starts; tool: a command run to completion (Helm renders the
   * charts), never started as a server, and not needed to start the engine.
   */
  readonly role: 'engine' | 'tool';
}

export interface PinnedBinary extends UpstreamBinary {
  readonly upstreamVersion: string;
  /** sha256 of moduleDir/go.mod and go.sum: a binary built from other module files is rebuilt. */
  readonly moduleHash: string;
}

/** lab/ at the root of this repository. */
export const LAB_DIR = fileURLToPath(new URL('../../../lab/', import.meta.url));

export const UPSTREAM_BINARIES: readonly UpstreamBinary[] = [
  { name: 'etcd', moduleDir: 'etcd', upstreamModule: 'go.etcd.io/etcd/server/v3', mainPackage: 'go.etcd.io/etcd/server/v3', role: 'engine' },
  kubernetesCommand('kube-apiserver'),
  kubernetesCommand('kube-controller-manager'),
  kubernetesCommand('kube-scheduler'),
  { name: 'kwok', moduleDir: 'kwok', upstreamModule: 'sigs.k8s.io/kwok', mainPackage: 'sigs.k8s.io/kwok/cmd/kwok', role: 'engine' },
  // The renderer of charts/daylight-agent: `helm template` and `helm lint`, run by tests and `npm run chart:render`
  { name: 'helm', moduleDir: 'helm', upstreamModule: 'helm.sh/helm/v4', mainPackage: 'helm.sh/helm/v4/cmd/helm', role: 'tool' },
];

function kubernetesCommand(name: UpstreamName): UpstreamBinary {
  return { name, moduleDir: '.', upstreamModule: 'k8s.io/kubernetes', mainPackage: `k8s.io/kubernetes/cmd/${name}`, role: 'engine' };
}

/** Reads each binary's pinned version and module hash from its go.mod and go.sum under `labDir`. */
export async function pinUpstreamBinaries(labDir: string = LAB_DIR, binaries = UPSTREAM_BINARIES): Promise<PinnedBinary[]> {
  const pinned: PinnedBinary[] = [];
  for (const binary of binaries) {
    const dir = join(labDir, binary.moduleDir);
    const goMod = await readFile(join(dir, 'go.mod'), 'utf8');
    const goSum = await readFile(join(dir, 'go.sum'), 'utf8').catch(() => '');
    const upstreamVersion = requiredVersion(goMod, binary.upstreamModule);
    if (upstreamVersion === undefined) {
      throw new Error(`${join(dir, 'go.mod')} does not require ${binary.upstreamModule}; add "require ${binary.upstreamModule} vX.Y.Z"`);
    }
    const moduleHash = createHash('sha256').update(goMod).update('\0').update(goSum).digest('hex').slice(0, 16);
    pinned.push({ ...binary, upstreamVersion, moduleHash });
  }
  return pinned;
}

/** The version a go.mod requires a module at, from a one-line `require` or a `require ( ... )` block. */
export function requiredVersion(goMod: string, module: string): string | undefined {
  const escaped = module.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const line = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm');
  let inRequire = false;
  for (const raw of goMod.split('\n')) {
    const text = raw.replace(/\/\/.*$/, '').trim();
    if (/^require\s*\($/.test(text)) inRequire = true;
    else if (text === ')') inRequire = false;
    else if (inRequire || text.startsWith('require ')) {
      const match = line.exec(text);
      if (match) return match[1];
    }
  }
  return undefined;
}
