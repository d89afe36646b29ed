// ConfigMaps and Secrets of one namespace, in the few calls the journal kept in the API server needs: list
// by label, read (absent is undefined), create, and replace guarded by the resourceVersion in the body.
// Errors are the API's (KubeApiError, its status code read with statusCode): the caller classifies them.
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import type { KubeApi } from './api.ts';
import { statusCode } from './api-error.ts';

export interface ConfigMapApi {
  list(namespace: string, labelSelector: string, signal?: AbortSignal): Promise<V1ConfigMap[]>;
  read(namespace: string, name: string, signal?: AbortSignal): Promise<V1ConfigMap | undefined>;
  /** 409 AlreadyExists when the name is taken. */
  create(namespace: string, body: V1ConfigMap, signal?: AbortSignal): Promise<V1ConfigMap>;
  /** 409 Conflict when `body.metadata.resourceVersion` is not the stored one; 404 when it is gone. */
  replace(namespace: string, body: V1ConfigMap, signal?: AbortSignal): Promise<V1ConfigMap>;
}

export interface SecretApi {
  read(namespace: string, name: string, signal?: AbortSignal): Promise<V1Secret | undefined>;
  /** 409 AlreadyExists when the name is taken. */
  create(namespace: string, body: V1Secret, signal?: AbortSignal): Promise<V1Secret>;
}

export function kubeConfigMaps(api: KubeApi): ConfigMapApi {
  return {
    list: async (namespace, labelSelector, signal) => {
      const list = await api.call(`list ConfigMaps in ${namespace} (${labelSelector})`, (o) => api.core.listNamespacedConfigMap({ namespace, labelSelector }, o), { signal });
      return list.items;
    },
    read: (namespace, name, signal) => absentAsUndefined(api.call(`read ConfigMap ${namespace}/${name}`, (o) => api.core.readNamespacedConfigMap({ name, namespace }, o), { signal })),
    create: (namespace, body, signal) => api.call(`create ConfigMap ${namespace}/${body.metadata?.name ?? ''}`, (o) => api.core.createNamespacedConfigMap({ namespace, body }, o), { signal }),
    replace: (namespace, body, signal) => {
      const name = body.metadata?.name ?? '';
      return api.call(`update ConfigMap ${namespace}/${name}`, (o) => api.core.replaceNamespacedConfigMap({ name, namespace, body }, o), { signal });
    },
  };
}

export function kubeSecrets(api: KubeApi): SecretApi {
  return {
    read: (namespace, name, signal) => absentAsUndefined(api.call(`read Secret ${namespace}/${name}`, (o) => api.core.readNamespacedSecret({ name, namespace }, o), { signal })),
    create: (namespace, body, signal) => api.call(`create Secret ${namespace}/${body.metadata?.name ?? ''}`, (o) => api.core.createNamespacedSecret({ namespace, body }, o), { signal }),
  };
}

async function absentAsUndefined<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (e: unknown) {
    if (statusCode(e) === 404) return undefined;
    throw e;
  }
}
