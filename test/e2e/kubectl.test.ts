// End-to-end: the real kubectl against the sandbox, on both engines, one sandbox per engine for all of it:
// it reads nodes and pods and changes nodes (kubectl-nodes.ts), keeps a watch open while pods change
// (kubectl-watch.ts), and creates and deletes objects and meets the API server's errors (kubectl-objects.ts).
// Each group starts from a settled fleet and gives back what it changed, so they run one after the other on
// one fleet rather than each paying for its own upstream control plane. `kubectl drain` has its own file and
// fleet (kubectl-drain.test.ts): it needs a StatefulSet and a DaemonSet, and it moves pods.
import { after, before, describe } from 'node:test';
import { ENGINES, START_TIMEOUT_MS, startEngineSandbox } from '../support/engine-sandbox.ts';
import type { EngineSandbox } from '../support/engine-sandbox.ts';
import { smallFleet } from '../support/fleets.ts';
import { kubectlNodeTests } from './kubectl-nodes.ts';
import { kubectlObjectTests } from './kubectl-objects.ts';
import { kubectlWatchTests } from './kubectl-watch.ts';

for (const engine of ENGINES) describe(`on the ${engine} engine`, () => {
  let ts: EngineSandbox | undefined;
  const sandbox = () => {
    if (!ts) throw new Error(`the ${engine} sandbox did not start`);
    return ts;
  };

  before(async () => {
    ts = await startEngineSandbox(smallFleet(), { engine });
  }, { timeout: START_TIMEOUT_MS });

  after(async () => {
    await ts?.stop();
  });

  describe('nodes and pods', () => kubectlNodeTests(sandbox, engine));
  describe('watching pods', () => kubectlWatchTests(sandbox, engine));
  describe('objects and API errors', () => kubectlObjectTests(sandbox, engine));
});
