# Debian's python3-kubernetes against one engine: lists, watches and evicts in a namespace with one pod
# (argv: kubeconfig, namespace, pod), printing what it saw as one JSON line.
import json
import sys

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
print(json.dumps({"listed": listed, "events": events, "evicted": evicted, "missing": missing}))
