// Defaulting and validation of objects written through the API, as a real API server does it for the
// fields a maintenance tool and kubectl touch: names, pods, workloads' selectors, services.
import type { Deployment, KObject, Pod, PodSpec, Service } from '../k8s-types.ts';
import type { ResourceType } from '../resources.ts';
import { defaultPodSpec, pendingStatus } from '../sim/pods.ts';
import { compileLabelSelector } from '../../lib/selectors.ts';
import type { StatusCause } from './status.ts';

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_TEXT = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_TEXT = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/** Types whose names must be DNS labels rather than subdomains. */
const LABEL_NAMED = new Set(['namespaces', 'services']);

export function validateName(t: ResourceType, name: string): StatusCause[] {
  if (!name) return [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }];
  const label = LABEL_NAMED.has(t.resource) && t.group === '';
  const ok = label ? LABEL.test(name) && name.length <= 63 : SUBDOMAIN.test(name) && name.length <= 253;
  if (ok) return [];
  return [{ reason: 'FieldValueInvalid', message: `Invalid value: "${name}": ${label ? LABEL_TEXT : SUBDOMAIN_TEXT}`, field: 'metadata.name' }];
}

/** Fills server-side defaults into a new object; returns the causes of anything invalid. */
export function admitCreate(t: ResourceType, o: KObject): { object: KObject; causes: StatusCause[] } {
  const key = t.group ? `${t.resource}.${t.group}` : t.resource;
  switch (key) {
    case 'pods':
      return admitPod(o as Pod);
    case 'deployments.apps':
      return admitWorkload(defaultDeployment(o as Deployment));
    case 'replicasets.apps':
    case 'statefulsets.apps':
    case 'daemonsets.apps':
      return admitWorkload(o);
    case 'services':
      return { object: defaultService(o as Service), causes: [] };
    case 'namespaces':
      return { object: { ...o, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } }, causes: [] };
    default:
      return { object: o, causes: [] };
  }
}

function admitPod(p: Pod): { object: KObject; causes: StatusCause[] } {
  const causes: StatusCause[] = [];
  const containers = p.spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' });
  containers?.forEach((c, i) => {
    if (!c.name) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: `spec.containers[${i}].name` });
    if (!c.image) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: `spec.containers[${i}].image` });
  });
  if (causes.length) return { object: p, causes };
  return { object: { ...p, spec: defaultPodSpec(p.spec), status: pendingStatus() }, causes };
}

function defaultDeployment(d: Deployment): Deployment {
  const strategy = d.spec?.strategy?.type === 'Recreate' ? { type: 'Recreate' as const } : { type: 'RollingUpdate' as const, rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%', ...d.spec?.strategy?.rollingUpdate } };
  return { ...d, spec: { replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, ...d.spec, strategy } };
}

/** A workload's selector must select its own template, or its controller would never see its pods. */
function admitWorkload(o: KObject): { object: KObject; causes: StatusCause[] } {
  const spec = o.spec as { selector?: { matchLabels?: Record<string, string> }; template?: { metadata?: { labels?: Record<string, string> }; spec?: PodSpec } } | undefined;
  const causes: StatusCause[] = [];
  if (!spec?.selector) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' });
  if (!spec?.template?.spec?.containers?.length) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.template.spec.containers' });
  const labels = spec?.template?.metadata?.labels;
  if (spec?.selector && !compileLabelSelector(spec.selector)(labels)) {
    causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(labels ?? {})}: \`selector\` does not match template \`labels\``, field: 'spec.template.metadata.labels' });
  }
  if (causes.length || !spec?.template?.spec) return { object: o, causes };
  const templateSpec: PodSpec = { restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', ...spec.template.spec };
  return { object: { ...o, spec: { ...spec, template: { ...spec.template, spec: templateSpec } } }, causes };
}

function defaultService(s: Service): Service {
  const ports = (s.spec?.ports ?? []).map((p) => ({ protocol: 'TCP', targetPort: p.port, ...p }));
  const clusterIP = s.spec?.clusterIP ?? `10.96.${Math.floor(Math.random() * 255)}.${1 + Math.floor(Math.random() * 253)}`;
  return { ...s, spec: { type: 'ClusterIP', sessionAffinity: 'None', ...s.spec, ports, clusterIP, clusterIPs: [clusterIP] }, status: { loadBalancer: {} } };
}

/** Pod fields a client may change after creation; anything else is Forbidden, as on a real cluster. */
export function podUpdateCauses(before: Pod, after: Pod): StatusCause[] {
  const strip = (s: PodSpec) => ({ ...s, containers: s.containers?.map((c) => ({ ...c, image: '' })), tolerations: undefined, activeDeadlineSeconds: undefined, nodeName: undefined });
  if (JSON.stringify(strip(before.spec)) === JSON.stringify(strip(after.spec))) return [];
  return [{ reason: 'FieldValueForbidden', message: 'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)', field: 'spec' }];
}
