// Workspace fixtures for the platform tests: factory functions that return fresh workspace texts and
// loaded workspaces, small enough to read line by line.
import assert from 'node:assert/strict';
import { UserError } from '../../../src/lib/errors.ts';
import { parseWorkspace } from '../../../src/platform/load.ts';
import type { Workspace } from '../../../src/platform/schema.ts';

export interface ComponentText {
  readonly name: string;
  readonly version: string;
  readonly dependsOn?: readonly string[];
  /** Extra YAML lines of the component, without indentation. */
  readonly extra?: readonly string[];
}

/** A workspace file with these components, each upgraded by a helm command template. */
export function workspaceText(components: readonly ComponentText[], o: { prometheus?: boolean } = {}): string {
  const lines = ['apiVersion: daylight.dev/v1alpha1', 'kind: Workspace', 'metadata: {name: prod}', 'spec:'];
  if (o.prometheus !== false) lines.push('  prometheus: {url: "http://127.0.0.1:9090"}');
  lines.push('  components:');
  for (const c of components) {
    lines.push(`    - name: ${c.name}`, `      version: "${c.version}"`, '      upgrade: helm upgrade --install {{name}} charts/{{name}} --version {{version}}');
    if (c.dependsOn) lines.push(`      dependsOn: [${c.dependsOn.join(', ')}]`);
    for (const e of c.extra ?? []) lines.push(`      ${e}`);
  }
  return `${lines.join('\n')}\n`;
}

export function workspace(components: readonly ComponentText[], o: { prometheus?: boolean } = {}): Workspace {
  return parseWorkspace('ws.yaml', workspaceText(components, o)).workspace;
}

/** The problems parseWorkspace reports for `text`, one per line; fails when it is accepted. */
export function problems(text: string, file = 'ws.yaml'): string[] {
  try {
    parseWorkspace(file, text);
  } catch (e: unknown) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    return e.message.split('\n');
  }
  assert.fail('the workspace was accepted');
}
