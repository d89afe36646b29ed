// A TCP port on 127.0.0.1 that was free a moment ago, for real services (HAProxy, Prometheus) a test starts:
// the same helper the kubernetes engine uses for the components it must tell their port.
export { freePort } from '../../src/sandbox/kubernetes/free-port.ts';
