// Unit tests for `spec.faults.ingress` in fleet files: regions that exist, values in range, and mistakes
// reported at their place with the fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../src/lib/errors.ts';
import { parseFleet } from '../../../src/sandbox/fleet-load.ts';
import { smallFleetYaml } from '../../support/fleets.ts';

function problems(faults: string): string {
  try {
    parseFleet('fleet.yaml', smallFleetYaml({ regions: 2, faults }));
  } catch (e: unknown) {
    assert.ok(e instanceof UserError, `a UserError, got ${String(e)}`);
    return e.message;
  }
  assert.fail(`faults ${faults} were accepted`);
}

test('ingress faults of a known region parse, with the fields left out at 0', () => {
  // Given a fleet of eu-central and region-2 whose eu-central ingress fails a fifth of requests
  const fleet = parseFleet('fleet.yaml', smallFleetYaml({ regions: 2, faults: '{ingress: {eu-central: {errorRate: 0.2}, region-2: {latencyMs: 50}}}' }));
  // Then both regions' faults come through, omitted fields being 0
  assert.deepEqual(fleet.spec.faults.ingress, { 'eu-central': { errorRate: 0.2, latencyMs: 0 }, 'region-2': { errorRate: 0, latencyMs: 50 } });
});

test('no ingress faults is an empty map', () => {
  assert.deepEqual(parseFleet('fleet.yaml', smallFleetYaml({ regions: 2 })).spec.faults.ingress, {});
});

test('ingress faults for a region the fleet does not have name the path and the regions there are', () => {
  // When the faults name a region that is not in the fleet
  const message = problems('{ingress: {eu-west: {errorRate: 0.2, latencyMs: 50}}}');
  // Then the error is at that entry, says it is not a region, and lists the regions to choose from
  assert.match(message, /^fleet\.yaml:\d+:\d+: spec\.faults\.ingress\.eu-west: "eu-west" is not a region of this fleet; write one of eu-central, region-2$/);
});

test('an ingress error rate above 1 or a negative latency says what to write', () => {
  assert.match(problems('{ingress: {eu-central: {errorRate: 20}}}'), /spec\.faults\.ingress\.eu-central\.errorRate: write a fraction from 0 \(no errors\) to 1 \(every request fails\)/);
  assert.match(problems('{ingress: {eu-central: {latencyMs: -5}}}'), /spec\.faults\.ingress\.eu-central\.latencyMs: write milliseconds from 0 to 600000/);
  assert.match(problems('{ingress: {eu-central: {errors: 1}}}'), /^fleet\.yaml:\d+:\d+: spec\.faults\.ingress\.eu-central\.errors: unknown field/);
});
