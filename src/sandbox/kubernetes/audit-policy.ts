// The audit policy the referee reads: every pod delete (who deleted which pod, and the answer) and
// every pods/eviction create (with its body, for dry runs and delete options); nothing else, so the
// log stays small enough to follow during a roll.
import { stringify } from 'yaml';

export function auditPolicyYaml(): string {
  return stringify({
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    omitStages: ['RequestReceived'],
    rules: [
      { level: 'Metadata', verbs: ['delete', 'deletecollection'], resources: [{ group: '', resources: ['pods'] }] },
      { level: 'Request', verbs: ['create'], resources: [{ group: '', resources: ['pods/eviction'] }] },
      { level: 'None' },
    ],
  });
}
