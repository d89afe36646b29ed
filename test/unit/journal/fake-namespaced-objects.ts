// ConfigMaps and Secrets kept in memory with the API server's rules for the calls the journal makes: every
// write gets a new resourceVersion; a replace with a stale one is 409 Conflict, with none at all 422, of a
// missing object 404; a create of a taken name is 409 AlreadyExists; a list selects by one label. Each call
// waits a turn of the event loop, as a round trip would, so appends really overlap.
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { KubeApiError } from '../../../src/kube/api-error.ts';
import type { ConfigMapApi, SecretApi } from '../../../src/kube/namespaced-objects.ts';

export interface FakeConfigMaps extends ConfigMapApi {
  /** The stored objects by "namespace/name" (copies on the way in and out). */
  readonly stored: Map<string, V1ConfigMap>;
  /** Every write that reached the store, in order: "create name" or "replace name". */
  readonly writes: string[];
  /** Edits an object in place as `kubectl edit` would: a new resourceVersion. */
  edit(namespace: string, name: string, change: (cm: V1ConfigMap) => void): void;
}

function apiError(what: string, code: number, reason: string, message: string): KubeApiError {
  return new KubeApiError(what, { code, reason, message, causes: [] }, undefined);
}

const turn = () => new Promise((r) => setImmediate(r));
const copy = <T>(o: T): T => structuredClone(o);

export function fakeConfigMaps(): FakeConfigMaps {
  const stored = new Map<string, V1ConfigMap>();
  const writes: string[] = [];
  let version = 100;
  const key = (ns: string, name: string) => `${ns}/${name}`;
  const put = (ns: string, cm: V1ConfigMap): V1ConfigMap => {
    const next = copy({ ...cm, metadata: { ...cm.metadata, namespace: ns, resourceVersion: String(++version) } });
    stored.set(key(ns, next.metadata?.name ?? ''), next);
    return copy(next);
  };
  return {
    stored,
    writes,
    edit: (ns, name, change) => {
      const cm = stored.get(key(ns, name));
      if (!cm) throw new Error(`no ConfigMap ${ns}/${name}`);
      change(cm);
      put(ns, cm);
    },
    list: async (ns, selector) => {
      await turn();
      const [label, value] = selector.split('=');
      return [...stored.entries()].filter(([k, cm]) => k.startsWith(`${ns}/`) && cm.metadata?.labels?.[label ?? ''] === value).map(([, cm]) => copy(cm));
    },
    read: async (ns, name) => {
      await turn();
      const cm = stored.get(key(ns, name));
      return cm ? copy(cm) : undefined;
    },
    create: async (ns, body) => {
      await turn();
      const name = body.metadata?.name ?? '';
      if (stored.has(key(ns, name))) throw apiError(`create ConfigMap ${ns}/${name}`, 409, 'AlreadyExists', `configmaps "${name}" already exists`);
      writes.push(`create ${name}`);
      return put(ns, body);
    },
    replace: async (ns, body) => {
      await turn();
      const name = body.metadata?.name ?? '';
      const what = `update ConfigMap ${ns}/${name}`;
      const now = stored.get(key(ns, name));
      if (!now) throw apiError(what, 404, 'NotFound', `configmaps "${name}" not found`);
      const rv = body.metadata?.resourceVersion;
      if (!rv) throw apiError(what, 422, 'Invalid', 'metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
      if (rv !== now.metadata?.resourceVersion) throw apiError(what, 409, 'Conflict', `Operation cannot be fulfilled on configmaps "${name}": the object has been modified; please apply your changes to the latest version and try again`);
      writes.push(`replace ${name}`);
      return put(ns, body);
    },
  };
}

export function fakeSecrets(): SecretApi & { readonly stored: Map<string, V1Secret> } {
  const stored = new Map<string, V1Secret>();
  return {
    stored,
    read: async (ns, name) => {
      await turn();
      const s = stored.get(`${ns}/${name}`);
      return s ? copy(s) : undefined;
    },
    create: async (ns, body) => {
      await turn();
      const name = body.metadata?.name ?? '';
      if (stored.has(`${ns}/${name}`)) throw apiError(`create Secret ${ns}/${name}`, 409, 'AlreadyExists', `secrets "${name}" already exists`);
      stored.set(`${ns}/${name}`, copy(body));
      return copy(body);
    },
  };
}
