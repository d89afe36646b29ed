// Timeouts and abort handling shared by the gates: a gate's own timeout fails the gate, the caller's
// abort (Ctrl-C, pause) passes through as an AbortError.
export { abortError, describeError, isTimeout, rethrowIfAborted, timeoutSignal } from '../lib/abort.ts';
