// What can be checked of the controller's image and manifest without Docker or a cluster: the checks every
// image passes (image-checks.ts), its user the unprivileged one the Deployment runs it as, and the
// Deployment's arguments accepted by `daylight controller` itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { controllerCommand } from '../../../src/cli/controller.ts';
import { IN_CLUSTER } from '../../../src/kube/client.ts';
import { imageTests, renderedContainer, ROOT, runtimeUser } from './image-checks.ts';

const MANIFEST = 'deploy/daylight.yaml';

imageTests({ dockerfile: 'images/controller/Dockerfile', manifest: MANIFEST, kind: 'Deployment', subcommand: 'controller' });

interface PodSecurity {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
}

test('the image runs as the same unprivileged user the Deployment asks for', () => {
  const deployment = parseAllDocuments(readFileSync(join(ROOT, MANIFEST), 'utf8')).map((d) => d.toJS() as { kind?: string; spec?: { template: { spec: { securityContext: PodSecurity } } } } | null).find((d) => d?.kind === 'Deployment');
  const pod = deployment?.spec?.template.spec.securityContext;
  assert.equal(pod?.runAsNonRoot, true);
  assert.equal(runtimeUser('images/controller/Dockerfile'), `${pod.runAsUser}:${pod.runAsGroup}`);
  assert.notEqual(pod.runAsUser, 0);
});

test('the Deployment\'s arguments are ones `daylight controller` accepts: its namespace, in-cluster, the dashboard on 8080 with its token file', async () => {
  const c = renderedContainer(MANIFEST, 'Deployment');
  const args = c.args ?? [];
  assert.deepEqual(args, ['--namespace', 'daylight-system', '--kubeconfig', IN_CLUSTER, '--listen', '0.0.0.0:8080', '--token-file', '/etc/daylight/dashboard/token']);
  // Given --help after them, the controller parses every flag (an unknown one is refused) and prints its help
  const out: string[] = [];
  const io = { out: (t: string) => out.push(t), err: () => undefined, isTty: false };
  assert.equal(await controllerCommand.run([...args, '--help'], io), 0);
  assert.match(out.join('\n'), /^Usage: daylight controller/);
  // And the same check refuses a flag the controller does not have: it can fail
  await assert.rejects(controllerCommand.run([...args, '--members', 'x', '--help'], io), /members/);
});
