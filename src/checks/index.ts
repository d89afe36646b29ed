// The gates' public surface: evaluate one gate of a plan into a GateResult.
export { evaluateGate, gateName } from './evaluate.ts';
export { shellExec } from '../lib/command-exec.ts';
export type { CommandExec, CommandOutcome, GateContext, GateResult, Measurement } from './types.ts';
