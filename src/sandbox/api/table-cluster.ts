// Table printers for nodes and the cluster-plumbing kinds (namespaces, services, endpoint slices, events,
// leases, config maps), ported from kubernetes pkg/printers/internalversion/printers.go (v1.30).

import type { KObject } from '../k8s-types.ts';
import {
  AGE_COLUMN, NAME_COLUMN, age, at, column, formatLabels, list, num, parseTime, rec, recs, since, str, wide,
} from './table-format.ts';
import type { Printer } from './table-format.ts';

const ROLE_PREFIX = 'node-role.kubernetes.io/';

/** Only the Ready condition counts; Unknown (a silent kubelet) prints as NotReady. */
function nodeStatus(node: KObject): string {
  const ready = recs(at(node.status, 'conditions')).find((c) => c.type === 'Ready');
  const status = [ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (at(node.spec, 'unschedulable') === true) status.push('SchedulingDisabled');
  return status.join(',');
}

function nodeRoles(node: KObject): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata.labels ?? {})) {
    if (key.startsWith(ROLE_PREFIX) && key.length > ROLE_PREFIX.length) roles.add(key.slice(ROLE_PREFIX.length));
    else if (key === 'kubernetes.io/role' && value !== '') roles.add(value);
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

function nodeAddress(node: KObject, type: string): string {
  const found = recs(at(node.status, 'addresses')).find((a) => a.type === type);
  return str(found?.address) || '<none>';
}

function nodeInfo(node: KObject, field: string): string {
  return str(at(node.status, 'nodeInfo', field));
}

export const nodePrinter: Printer = {
  columns: [
    NAME_COLUMN,
    column('Status', 'The status of the node'),
    column('Roles', 'The roles of the node'),
    AGE_COLUMN,
    column('Version', 'Kubelet Version reported by the node.'),
    wide('Internal-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.'),
    wide('External-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.'),
    wide('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).'),
    wide('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
    wide('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).'),
  ],
  cells: (node, nowMs) => [
    node.metadata.name,
    nodeStatus(node),
    nodeRoles(node),
    age(node, nowMs),
    nodeInfo(node, 'kubeletVersion'),
    nodeAddress(node, 'InternalIP'),
    nodeAddress(node, 'ExternalIP'),
    nodeInfo(node, 'osImage') || '<unknown>',
    // Kubernetes' printer appends the architecture when the node reports one (printers.go, printNode).
    (nodeInfo(node, 'kernelVersion') || '<unknown>') + (nodeInfo(node, 'architecture') ? ` (${nodeInfo(node, 'architecture')})` : ''),
    nodeInfo(node, 'containerRuntimeVersion') || '<unknown>',
  ],
};

export const namespacePrinter: Printer = {
  columns: [NAME_COLUMN, column('Status', 'The status of the namespace'), AGE_COLUMN],
  // The real apiserver always sets phase Active on create; sandbox namespaces may not carry it.
  cells: (ns, nowMs) => [ns.metadata.name, str(at(ns.status, 'phase'), 'Active'), age(ns, nowMs)],
};

function loadBalancerIngress(svc: KObject): string[] {
  const hosts = recs(at(svc.status, 'loadBalancer', 'ingress')).map((i) => str(i.ip) || str(i.hostname)).filter((h) => h !== '');
  return [...new Set(hosts)].sort();
}

function serviceExternalIP(svc: KObject, type: string): string {
  const external = list(at(svc.spec, 'externalIPs')).map((ip) => str(ip));
  if (type === 'ClusterIP' || type === 'NodePort') return external.length > 0 ? external.join(',') : '<none>';
  if (type === 'ExternalName') return str(at(svc.spec, 'externalName'));
  if (type !== 'LoadBalancer') return '<unknown>';
  const ingress = loadBalancerIngress(svc);
  if (external.length > 0) return [...ingress, ...external].join(',');
  return ingress.length > 0 ? ingress.join(',') : '<pending>';
}

function servicePorts(svc: KObject): string {
  const ports = recs(at(svc.spec, 'ports')).map((p) => {
    const protocol = str(p.protocol, 'TCP');
    const nodePort = num(p.nodePort);
    return nodePort > 0 ? `${num(p.port)}:${nodePort}/${protocol}` : `${num(p.port)}/${protocol}`;
  });
  return ports.length > 0 ? ports.join(',') : '<none>';
}

function serviceClusterIP(svc: KObject): string {
  // Real services always carry clusterIPs; fall back to clusterIP for sandbox objects that skipped defaulting.
  return str(list(at(svc.spec, 'clusterIPs'))[0]) || str(at(svc.spec, 'clusterIP')) || '<none>';
}

export const servicePrinter: Printer = {
  columns: [
    NAME_COLUMN,
    column('Type', 'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.'),
    column('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    column('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    column('Port(s)', 'The list of ports that are exposed by this service.'),
    AGE_COLUMN,
    wide('Selector', 'Route service traffic to pods with label keys and values matching this selector.'),
  ],
  cells: (svc, nowMs) => {
    const type = str(at(svc.spec, 'type'), 'ClusterIP');
    return [svc.metadata.name, type, serviceClusterIP(svc), serviceExternalIP(svc, type), servicePorts(svc), age(svc, nowMs), formatLabels(at(svc.spec, 'selector'))];
  },
};

/** printers.go listWithMoreString: at most three entries, then "+ N more...". */
function firstThree(entries: string[]): string {
  if (entries.length > 3) return `${entries.slice(0, 3).join(',')} + ${entries.length - 3} more...`;
  return entries.length === 0 ? '<unset>' : entries.join(',');
}

function slicePorts(slice: KObject): string {
  return firstThree(recs(slice.ports).map((p) => (typeof p.port === 'number' ? String(p.port) : str(p.name) || '*')));
}

function sliceEndpoints(slice: KObject): string {
  return firstThree(recs(slice.endpoints).flatMap((e) => list(e.addresses).map((a) => str(a))));
}

export const endpointSlicePrinter: Printer = {
  columns: [
    NAME_COLUMN,
    column('AddressType', 'addressType specifies the type of address carried by this EndpointSlice.'),
    column('Ports', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    column('Endpoints', 'endpoints is a list of unique endpoints in this slice.'),
    AGE_COLUMN,
  ],
  cells: (slice, nowMs) => [slice.metadata.name, str(slice.addressType), slicePorts(slice), sliceEndpoints(slice), age(slice, nowMs)],
};

function eventSource(ev: KObject): string {
  const component = str(at(ev, 'source', 'component')) || str(ev.reportingComponent);
  const host = str(at(ev, 'source', 'host')) || str(ev.reportingInstance);
  return host === '' ? component : `${component}, ${host}`;
}

function eventTarget(ev: KObject): string {
  const involved = rec(ev.involvedObject);
  const kind = str(involved.kind).toLowerCase();
  return str(involved.name) === '' ? kind : `${kind}/${str(involved.name)}`;
}

/** Old-style events carry first/lastTimestamp; events.k8s.io-style ones eventTime and a series. */
function eventTimes(ev: KObject, nowMs: number): { first: string; last: string; count: number } {
  const first = since(parseTime(ev.firstTimestamp) === undefined ? ev.eventTime : ev.firstTimestamp, nowMs);
  const last = parseTime(ev.lastTimestamp) === undefined ? first : since(ev.lastTimestamp, nowMs);
  const series = ev.series;
  if (series !== undefined && series !== null) {
    return { first, last: since(at(series, 'lastObservedTime'), nowMs), count: num(at(series, 'count')) };
  }
  return { first, last, count: num(ev.count) || 1 };
}

export const eventPrinter: Printer = {
  columns: [
    column('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
    column('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
    column('Reason', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    column('Object', 'The object that this event is about.'),
    wide('Subobject', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].'),
    wide('Source', 'The component reporting this event. Should be a short machine understandable string.'),
    column('Message', 'A human-readable description of the status of this operation.'),
    wide('First Seen', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)'),
    wide('Count', 'The number of times this event has occurred.'),
    { ...NAME_COLUMN, priority: 1 },
  ],
  cells: (ev, nowMs) => {
    const times = eventTimes(ev, nowMs);
    return [
      times.last, str(ev.type), str(ev.reason), eventTarget(ev), str(at(ev, 'involvedObject', 'fieldPath')),
      eventSource(ev), str(ev.message).trim(), times.first, times.count, ev.metadata.name,
    ];
  },
};

export const leasePrinter: Printer = {
  columns: [NAME_COLUMN, column('Holder', 'holderIdentity contains the identity of the holder of a current lease.'), AGE_COLUMN],
  cells: (lease, nowMs) => [lease.metadata.name, str(at(lease.spec, 'holderIdentity')), age(lease, nowMs)],
};

export const configMapPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    column('Data', "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'."),
    AGE_COLUMN,
  ],
  cells: (cm, nowMs) => [cm.metadata.name, Object.keys(rec(cm.data)).length + Object.keys(rec(cm.binaryData)).length, age(cm, nowMs)],
};
