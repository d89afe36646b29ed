# Debian's python3-kubernetes against one engine: lists, watches and evicts in a namespace with one pod
# (argv: kubeconfig, namespace, pod), then writes an events.k8s.io/v1 Event and reads it back as a core
# one, printing what it saw as one JSON line.
import json
import sys
from datetime import datetime, timezone

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

kubeconfig, namespace, pod = sys.argv[1:4]
config.load_kube_config(config_file=kubeconfig)
core = client.CoreV1Api()
listed = sorted(p.metadata.name for p in core.list_namespaced_pod(namespace).items)
events = []
stream = watch.Watch()
for event in stream.stream(core.list_namespaced_pod, namespace, timeout_seconds=10):
    events.append(f"{event['type']} {event['object'].metadata.name}")
    stream.stop()
eviction = client.V1Eviction(metadata=client.V1ObjectMeta(name=pod, namespace=namespace))
# The answer is a Status, which the client would read as an Eviction: take the raw response's code.
evicted = core.create_namespaced_pod_eviction(pod, namespace, eviction, _preload_content=False).status
try:
    core.create_namespaced_pod_eviction("nope", namespace, client.V1Eviction(metadata=client.V1ObjectMeta(name="nope", namespace=namespace)))
    missing = 201
except ApiException as e:
    missing = e.status
# The client writes datetimes with isoformat(): six fractional digits only when there are microseconds.
when = datetime(2026, 12, 5, 19, 0, 0, 123456, tzinfo=timezone.utc)
client.EventsV1Api().create_namespaced_event(namespace, client.EventsV1Event(
    metadata=client.V1ObjectMeta(name="py-event"), event_time=when, reporting_controller="example.com/python",
    reporting_instance="python-1", action="Evict", reason="Evicted", type="Normal", note="evicted by python",
    regarding=client.V1ObjectReference(kind="Pod", name=pod, namespace=namespace, api_version="v1")))
core_event = core.read_namespaced_event("py-event", namespace)
noted = [e.note for e in client.EventsV1Api().list_namespaced_event(namespace).items if e.metadata.name == "py-event"]
print(json.dumps({"listed": listed, "events": events, "evicted": evicted, "missing": missing,
                  "event": [core_event.message, core_event.involved_object.name, core_event.event_time.isoformat(), noted]}))
