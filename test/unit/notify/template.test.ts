// Unit tests for {{variable}} templates: known names are filled in, an unknown one is an error that lists
// the known ones, and braces that are not ours (kubectl go-templates) stay as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../src/lib/errors.ts';
import { renderTemplate, TemplateError } from '../../../src/notify/template.ts';

test('fills every known variable, with or without spaces inside the braces', () => {
  const vars = { cluster: 'eu-central', run: 'r-42', 'node.name': 'node-a1' };
  assert.equal(renderTemplate('ssh {{node.name}} -- notify {{ cluster }} {{run}} {{cluster}}', vars), 'ssh node-a1 -- notify eu-central r-42 eu-central');
});

test('a text without templates is returned as it is', () => {
  assert.equal(renderTemplate('pgroll complete', {}), 'pgroll complete');
});

test('an unknown variable is a TemplateError (bad input) naming it and the known ones', () => {
  assert.throws(() => renderTemplate('notify {{clustr}}', { run: 'r-1', cluster: 'eu' }), (e: unknown) => {
    assert.ok(e instanceof TemplateError);
    assert.ok(e instanceof UserError);
    assert.equal(e.message, '"notify {{clustr}}" uses {{clustr}}, which is not a known variable; known variables: cluster, run');
    return true;
  });
  assert.throws(() => renderTemplate('{{run}}', {}), /uses \{\{run\}\}, which is not a known variable; no variables are known here$/);
});

test('braces around what is not a variable name stay as written; a go-template keyword that looks like one fails', () => {
  assert.equal(renderTemplate("kubectl get nodes -o go-template='{{.metadata.name}}' -l zone={{zone}}", { zone: 'a' }), "kubectl get nodes -o go-template='{{.metadata.name}}' -l zone=a");
  assert.throws(() => renderTemplate("kubectl get nodes -o go-template='{{range .items}}{{.metadata.name}}{{end}}'", { cluster: 'eu' }), /uses \{\{end\}\}, which is not a known variable/);
});

test('a value is inserted once, not rendered again', () => {
  assert.equal(renderTemplate('{{a}}', { a: '{{b}}' }), '{{b}}');
});
