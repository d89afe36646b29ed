// Inputs for the PATCH tests (patch, json-patch, strategic-merge): frozen, so that an algorithm that edits
// the stored object or the request body in place fails with a TypeError.
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

export function json(text: string): unknown {
  return deepFreeze(JSON.parse(text));
}

export function deployment(): Record<string, unknown> {
  return deepFreeze({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web', tier: 'front' }, finalizers: ['a', 'b'] },
    spec: {
      replicas: 2,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'shop/web:1.0',
              env: [{ name: 'MODE', value: 'prod' }, { name: 'DEBUG', value: '0' }],
              ports: [{ containerPort: 8080, name: 'http' }],
              volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
            },
            { name: 'sidecar', image: 'envoy:1.30' },
            { name: 'logger', image: 'fluent-bit:3' },
          ],
          volumes: [{ name: 'cache', emptyDir: {} }],
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
        },
      },
    },
  });
}

export function node(): Record<string, unknown> {
  return deepFreeze({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'worker-1', labels: { 'kubernetes.io/hostname': 'worker-1', zone: 'a' } },
    spec: { podCIDR: '10.0.1.0/24', taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }] },
    status: {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady' },
        { type: 'MemoryPressure', status: 'False' },
      ],
      addresses: [
        { type: 'InternalIP', address: '10.0.1.5' },
        { type: 'Hostname', address: 'worker-1' },
      ],
    },
  });
}

export type Json = Record<string, unknown>;

/** Walks a dotted path through objects and arrays ("spec.template.spec.containers.0.image"). */
export function at(value: unknown, path: string): unknown {
  let current = value;
  for (const step of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Json)[step];
  }
  return current;
}

export function containers(result: unknown): Json[] {
  return at(result, 'spec.template.spec.containers') as Json[];
}
