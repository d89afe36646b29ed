// Webhook notifications during a real run: a Slack-compatible JSON message when the run starts, when each
// region leaves traffic and when it completes, in that order, received by a local webhook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parsePlan } from '../../src/plan/load.ts';
import { roll, upFleet } from './roll/fixtures.ts';

test('given a plan with a webhook, when two regions are maintained, then it hears the start, each region out of traffic and the completion, in order', { timeout: 120_000 }, async () => {
  // Given a webhook on 127.0.0.1 that keeps what it receives
  const received: { text: string; blocks: unknown[] }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as { text: string; blocks: unknown[] });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T000/B000/secret`;
  const ts = await upFleet({ regions: 2, zones: 2, nodesPerRack: 1, rebootSeconds: 30 }, 120);
  try {
    const plan = parsePlan('notify.yaml', [
      'apiVersion: daylight.dev/v1alpha1',
      'kind: MaintenancePlan',
      'metadata: {name: notified}',
      'spec:',
      '  clusters: [{name: eu-central, context: eu-central}, {name: region-2, context: region-2}]',
      '  traffic: {provider: sandbox, drain: {timeout: 30s}, restore: {steps: [50, 100], interval: 20s, every: 10s}}',
      '  phases:',
      '    - {name: os-patch, type: nodes, regional: true, maxUnavailable: 1, drain: {timeout: 5m}, action: {type: agent, operation: reboot}}',
      `  notify: {webhooks: [{url: "${url}"}]}`,
      '',
    ].join('\n'));
    // When the plan runs
    const r = await roll(ts, plan);
    // Then the webhook heard four messages, in the run's order, each with its text
    assert.equal(r.status, 'succeeded', r.end.status === 'refused' ? r.output : r.end.reason);
    const texts = received.map((m) => m.text);
    assert.equal(texts.length, 4, JSON.stringify(texts));
    assert.match(texts[0] ?? '', /^Maintenance started: plan notified on eu-central, region-2/);
    assert.match(texts[1] ?? '', /^Region eu-central is out of traffic/);
    assert.match(texts[2] ?? '', /^Region region-2 is out of traffic/);
    assert.match(texts[3] ?? '', /^Maintenance run \S+ completed \(plan notified\)/);
    assert.ok(received.every((m) => Array.isArray(m.blocks) && m.blocks.length > 0), 'Slack blocks beside the text');
  } finally {
    await ts.stop();
    server.close();
  }
});
