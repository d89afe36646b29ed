// Field selectors per resource type, with the field labels a real API server supports for each; any
// other label is refused as it would be there.
import type { KObject } from '../k8s-types.ts';
import type { FieldRequirement } from '../../lib/selectors.ts';
import { SelectorError } from '../../lib/selectors.ts';

type Getter = (o: KObject) => unknown;

const at = (...path: string[]): Getter => (o) => {
  let v: unknown = o;
  for (const p of path) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[p] : undefined;
  return v;
};

const COMMON: Record<string, Getter> = {
  'metadata.name': at('metadata', 'name'),
  'metadata.namespace': at('metadata', 'namespace'),
};

const BY_RESOURCE: Record<string, Record<string, Getter>> = {
  pods: {
    'spec.nodeName': at('spec', 'nodeName'),
    'spec.restartPolicy': at('spec', 'restartPolicy'),
    'spec.schedulerName': at('spec', 'schedulerName'),
    'spec.serviceAccountName': at('spec', 'serviceAccountName'),
    'spec.hostNetwork': (o) => String(at('spec', 'hostNetwork')(o) ?? false),
    'status.phase': at('status', 'phase'),
    'status.podIP': at('status', 'podIP'),
    'status.nominatedNodeName': at('status', 'nominatedNodeName'),
  },
  nodes: { 'spec.unschedulable': (o) => String(at('spec', 'unschedulable')(o) ?? false) },
  namespaces: { 'status.phase': at('status', 'phase') },
  events: {
    'involvedObject.kind': at('involvedObject', 'kind'),
    'involvedObject.namespace': at('involvedObject', 'namespace'),
    'involvedObject.name': at('involvedObject', 'name'),
    'involvedObject.uid': at('involvedObject', 'uid'),
    'involvedObject.apiVersion': at('involvedObject', 'apiVersion'),
    'involvedObject.fieldPath': at('involvedObject', 'fieldPath'),
    reason: at('reason'),
    reportingComponent: at('reportingComponent'),
    source: at('source', 'component'),
    type: at('type'),
  },
  secrets: { type: at('type') },
};

/** A predicate for the requirements; throws a SelectorError for a field the resource does not index. */
export function compileFieldSelector(resource: string, reqs: readonly FieldRequirement[]): (o: KObject) => boolean {
  const getters = reqs.map((r) => {
    const get = COMMON[r.field] ?? BY_RESOURCE[resource]?.[r.field];
    if (!get) throw new SelectorError(`field label not supported: ${r.field}`);
    return { get, r };
  });
  return (o) =>
    getters.every(({ get, r }) => {
      const v = get(o);
      const s = v === undefined || v === null ? '' : String(v);
      return r.op === '=' ? s === r.value : s !== r.value;
    });
}
