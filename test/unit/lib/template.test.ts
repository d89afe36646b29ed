// Unit tests for {{variable}} templates: known names are filled in, an unknown one is an error that lists
// the known ones, braces that are not ours (kubectl go-templates) stay as written, and values put into a
// command are quoted for the shell when they need it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../src/lib/errors.ts';
import { execFileSync } from 'node:child_process';
import { renderTemplate, shellQuote, TemplateError, templateNames, templateProblem } from '../../../src/lib/template.ts';

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

test('the names a text uses, and the problem a loader reports for one a field does not allow', () => {
  assert.deepEqual(templateNames('ssh {{node.name}} {{ cluster }} {{node.name}} {{.metadata.name}}'), ['node.name', 'cluster']);
  assert.equal(templateProblem('ssh {{node.name}} reboot', ['node.name', 'cluster']), undefined);
  assert.equal(templateProblem('ssh {{node.nmae}} reboot', ['node.name', 'cluster']), '"ssh {{node.nmae}} reboot" uses {{node.nmae}}, which is not a known variable; known variables: cluster, node.name');
  assert.equal(templateProblem('./smoke.sh {{cluster}}', []), '"./smoke.sh {{cluster}}" uses {{cluster}}, which is not a known variable; no variables are known here');
});

test('values for a command are quoted for the shell when they need it, and left as they are when they do not', () => {
  const vars = { 'node.name': 'node-a1.eu-central.internal', version: 'v1.31.2+k3s1', note: "it's; $(reboot)", empty: '' };
  assert.equal(renderTemplate('ssh {{node.name}} upgrade {{version}}', vars, 'shell'), 'ssh node-a1.eu-central.internal upgrade v1.31.2+k3s1');
  assert.equal(renderTemplate('echo {{note}} {{empty}}', vars, 'shell'), `echo 'it'\\''s; $(reboot)' ''`);
  assert.equal(renderTemplate('echo {{note}}', vars), "echo it's; $(reboot)", 'no quoting unless asked: a URL or a query takes values as they are');
  // And the shell reads each quoted value back as the one word it was
  for (const value of Object.values(vars)) {
    assert.equal(execFileSync('sh', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' }), value);
  }
});
