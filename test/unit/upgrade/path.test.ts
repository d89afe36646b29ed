// The upgrade path as a user reads it: the control plane one minor at a time, kubelets kept within the
// skew policy with the fewest upgrades, warnings at two minors behind, and every error case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planPath } from '../../../src/upgrade/path.ts';
import type { NodeVersion, PathInput, PathStep, UpgradePath } from '../../../src/upgrade/path.ts';

const NOW = Date.parse('2026-11-21T12:00:00Z');

function nodes(spec: Record<string, string>, controlPlane: readonly string[] = []): NodeVersion[] {
  return Object.entries(spec).map(([name, kubeletVersion]) => ({ name, kubeletVersion, controlPlane: controlPlane.includes(name) }));
}

function plan(input: Partial<PathInput> & Pick<PathInput, 'apiservers' | 'target'>): UpgradePath {
  return planPath({ nodes: [], now: NOW, ...input });
}

/** One line per step: "cp 1.28→1.29 v1.29.15" or "kubelets a,b → 1.30 v1.30.14 (skew)". */
function steps(p: UpgradePath): string[] {
  return p.steps.map((s: PathStep) => (s.kind === 'control-plane' ? `cp ${s.from}→${s.to} ${s.version}` : `kubelets ${s.nodes.map((n) => `${n.name}@${n.from}`).join(',')} → ${s.to} ${s.version} (${s.required})`));
}

function codes(p: UpgradePath, severity: 'error' | 'warning'): string[] {
  return p.problems.filter((x) => x.severity === severity).map((x) => x.code);
}

test('v1.28 to v1.31: the control plane one minor at a time, workers at 1.28 straight to 1.31 at the end, a warning at two minors', () => {
  const p = plan({ apiservers: ['v1.28.15'], nodes: nodes({ cp: 'v1.28.15', w1: 'v1.28.15', w2: 'v1.28.15' }, ['cp']), target: 'v1.31' });
  assert.deepEqual(steps(p), ['cp 1.28→1.29 v1.29.15', 'cp 1.29→1.30 v1.30.14', 'cp 1.30→1.31 v1.31.14', 'kubelets w1@1.28,w2@1.28 → 1.31 v1.31.14 (target)']);
  assert.equal(p.current, '1.28');
  assert.deepEqual(p.target, { minor: '1.31', version: 'v1.31.14' });
  const cp = p.steps[0];
  assert.ok(cp?.kind === 'control-plane' && cp.nodes.includes('cp') && /never skips a minor/.test(cp.reason) && /node cp follow/.test(cp.reason));
  assert.match(p.steps[3]?.reason ?? '', /one step/);
  const twoBehind = p.problems.filter((x) => x.code === 'kubelet-two-behind');
  assert.equal(twoBehind.length, 1);
  assert.equal(twoBehind[0]?.severity, 'warning');
  assert.equal(twoBehind[0]?.step, 2, 'the warning belongs to the step that moves the control plane to 1.31');
  assert.match(twoBehind[0]?.message ?? '', /kubelet 1\.28 on nodes w1, w2 is two minors behind the control plane's 1\.30 when it moves to 1\.31/);
  assert.match(twoBehind[0]?.message ?? '', /N-1 or N-2/);
  assert.deepEqual(codes(p, 'error'), []);
});

test('workers at 1.27 may stay while the control plane reaches 1.30 (three minors), and go up before it leaves 1.30', () => {
  // The reference's planner rule: before the control plane moves from N to N+1, every kubelet must be
  // at (N+1)-3 or newer; 1.30 - 1.27 = 3 is allowed, 1.31 - 1.27 = 4 is not.
  const p = plan({ apiservers: ['v1.28.15'], nodes: nodes({ old: 'v1.27.9', w: 'v1.28.15' }), target: 'v1.31' });
  assert.deepEqual(steps(p), [
    'cp 1.28→1.29 v1.29.15',
    'cp 1.29→1.30 v1.30.14',
    'kubelets old@1.27 → 1.30 v1.30.14 (skew)',
    'cp 1.30→1.31 v1.31.14',
    'kubelets old@1.30,w@1.28 → 1.31 v1.31.14 (target)',
  ]);
  assert.match(p.steps[2]?.reason ?? '', /before the control plane moves to 1\.31, every kubelet must be at 1\.28 or newer.*node old at 1\.27 go to the control plane's 1\.30/);
  const warnings = p.problems.filter((x) => x.code === 'kubelet-two-behind');
  assert.deepEqual(warnings.map((w) => w.step), [1, 3], 'old is two behind before 1.30, w before 1.31');
});

test('a kubelet three minors behind before the first step goes up first', () => {
  const p = plan({ apiservers: ['v1.29.15'], nodes: nodes({ a: 'v1.26.3' }), target: 'v1.30' });
  assert.deepEqual(steps(p), ['kubelets a@1.26 → 1.29 v1.29.15 (skew)', 'cp 1.29→1.30 v1.30.14', 'kubelets a@1.29 → 1.30 v1.30.14 (target)']);
});

test('a long path takes the fewest kubelet upgrades: 1.28 → 1.36 with workers at 1.28 goes through 1.31 and 1.34', () => {
  const p = plan({ apiservers: ['v1.28.15'], nodes: nodes({ w: 'v1.28.15' }), target: 'v1.36' });
  assert.deepEqual(
    steps(p).filter((s) => s.startsWith('kubelets')),
    ['kubelets w@1.28 → 1.31 v1.31.14 (skew)', 'kubelets w@1.31 → 1.34 v1.34.11 (skew)', 'kubelets w@1.34 → 1.36 v1.36.4 (target)'],
  );
  assert.equal(steps(p).filter((s) => s.startsWith('cp')).length, 8);
});

test('a node that would need an upgrade before the target anyway comes along with a forced one, at no extra upgrade', () => {
  const p = plan({ apiservers: ['v1.29.15'], nodes: nodes({ a: 'v1.26.1', b: 'v1.27.1' }), target: 'v1.31' });
  // before 1.30: a (1.26) must go; b (1.27) would need an upgrade before 1.31 anyway, so it joins
  assert.deepEqual(steps(p), ['kubelets a@1.26,b@1.27 → 1.29 v1.29.15 (skew)', 'cp 1.29→1.30 v1.30.14', 'cp 1.30→1.31 v1.31.14', 'kubelets a@1.29,b@1.29 → 1.31 v1.31.14 (target)']);
  assert.match(p.steps[0]?.reason ?? '', /node b at 1\.27 come along/);
  // on a longer path b gains from waiting (it then reaches 1.30, which lasts to 1.33): it does not join
  const longer = plan({ apiservers: ['v1.29.15'], nodes: nodes({ a: 'v1.26.1', b: 'v1.27.1' }), target: 'v1.33' });
  assert.deepEqual(steps(longer).filter((s) => s.startsWith('kubelets')).slice(0, 1), ['kubelets a@1.26 → 1.29 v1.29.15 (skew)']);
});

test('HA apiservers at 1.28 and 1.29: the ones at 1.28 join first, and kubelet bounds count from the newest', () => {
  const p = plan({ apiservers: ['v1.29.4', 'v1.28.15', 'v1.29.4'], nodes: nodes({ cp1: 'v1.28.15', cp2: 'v1.29.4', w: 'v1.26.5' }, ['cp1', 'cp2']), target: 'v1.30' });
  assert.equal(p.current, '1.28');
  assert.equal(p.newest, '1.29');
  assert.deepEqual(steps(p), ['cp 1.28→1.29 v1.29.4', 'kubelets w@1.26 → 1.29 v1.29.4 (skew)', 'cp 1.29→1.30 v1.30.14', 'kubelets w@1.29 → 1.30 v1.30.14 (target)']);
  assert.match(p.steps[0]?.reason ?? '', /still at 1\.28 join those at 1\.29/);
  assert.deepEqual(codes(p, 'error'), ['kubelet-newer'], 'cp2 runs 1.29 beside an apiserver still at 1.28');
  assert.match(p.problems.find((x) => x.code === 'kubelet-newer')?.message ?? '', /kubelet 1\.29 on node cp2 is newer than the oldest kube-apiserver \(1\.28\)/);
});

test('HA apiservers more than one minor apart are an error about the cluster', () => {
  const p = plan({ apiservers: ['v1.30.1', 'v1.28.3'], target: 'v1.31' });
  const e = p.problems.find((x) => x.code === 'apiservers-skewed');
  assert.equal(e?.severity, 'error');
  assert.equal(e?.about, 'cluster');
  assert.match(e?.message ?? '', /1\.28 and 1\.30: HA instances must be within one minor/);
});

test('kubelets older than 1.25 may be two minors behind, not three', () => {
  const p = plan({ apiservers: ['v1.26.15'], nodes: nodes({ old: 'v1.24.17' }), target: 'v1.28' });
  assert.deepEqual(codes(p, 'error'), [], '1.24 beside 1.26 is within the n-2 rule');
  assert.deepEqual(steps(p), ['kubelets old@1.24 → 1.26 v1.26.15 (skew)', 'cp 1.26→1.27 v1.27.x', 'cp 1.27→1.28 v1.28.15', 'kubelets old@1.26 → 1.28 v1.28.15 (target)']);
  assert.match(p.steps[0]?.reason ?? '', /two for kubelets older than 1\.25/);
  assert.ok(codes(p, 'warning').includes('minor-not-in-table'), '1.27 has no latest patch in the table');
  const tooOld = plan({ apiservers: ['v1.26.15'], nodes: nodes({ older: 'v1.23.17' }), target: 'v1.28' });
  assert.deepEqual(codes(tooOld, 'error'), ['kubelet-too-old']);
  assert.match(tooOld.problems.find((x) => x.code === 'kubelet-too-old')?.message ?? '', /kubelet 1\.23 on node older is 3 minors behind kube-apiserver 1\.26, more than the 2 the skew policy allows/);
  assert.equal(tooOld.steps[0]?.kind, 'kubelets', 'the path upgrades it first');
});

test('a target below the control plane is an error about the target, with no steps', () => {
  const p = plan({ apiservers: ['v1.30.2'], target: 'v1.29' });
  assert.deepEqual(codes(p, 'error'), ['target-below-current']);
  assert.equal(p.problems[0]?.about, 'target');
  assert.match(p.problems[0]?.message ?? '', /below the control plane's 1\.30.*choose 1\.30 or newer/);
  assert.deepEqual(p.steps, []);
});

test('a target not in the releases table, or not a version, is an error that names the known range', () => {
  const unknown = plan({ apiservers: ['v1.30.2'], target: 'v1.37' });
  assert.deepEqual(codes(unknown, 'error'), ['target-unknown']);
  assert.match(unknown.problems[0]?.message ?? '', /1\.37 is not in the releases table \(it knows 1\.28 to 1\.36\)/);
  assert.deepEqual(codes(plan({ apiservers: ['v1.30.2'], target: 'latest' }), 'error'), ['target-unreadable']);
  assert.deepEqual(codes(plan({ apiservers: ['v1.30.2'], target: 'v2.0' }), 'error'), ['target-unreadable']);
});

test('a target past end of life is a warning with the date; in maintenance mode a warning; in standard support none', () => {
  const eol = plan({ apiservers: ['v1.30.14'], target: 'v1.31' });
  assert.deepEqual(codes(eol, 'error'), []);
  const w = eol.problems.find((x) => x.code === 'target-end-of-life');
  assert.equal(w?.severity, 'warning');
  assert.match(w?.message ?? '', /1\.31 reached end of life on 2025-11-11/);
  assert.equal(eol.steps.length, 1, 'the path is still planned');
  const maintenance = planPath({ apiservers: ['v1.31.14'], nodes: [], target: 'v1.32', now: Date.parse('2026-01-10T00:00:00Z') });
  assert.match(maintenance.problems.find((x) => x.code === 'target-maintenance')?.message ?? '', /left standard support on 2025-12-28 and reaches end of life on 2026-02-28/);
  const supported = plan({ apiservers: ['v1.35.8'], target: 'v1.36' });
  assert.deepEqual(supported.problems, []);
  assert.equal(supported.support?.phase, 'standard');
});

test('a patch asked for at the target is installed; one behind the latest patch of the current minor is a warning', () => {
  const p = plan({ apiservers: ['v1.30.2'], nodes: nodes({ w: 'v1.30.2' }), target: 'v1.31.2' });
  assert.deepEqual(steps(p), ['cp 1.30→1.31 v1.31.2', 'kubelets w@1.30 → 1.31 v1.31.2 (target)']);
  assert.match(p.problems.find((x) => x.code === 'not-latest-patch')?.message ?? '', /runs v1\.30\.2; 1\.30\.14 is the latest patch/);
});

test('the target equal to the control plane: only the kubelets behind it move; nothing behind, nothing to do', () => {
  const p = plan({ apiservers: ['v1.31.14'], nodes: nodes({ w: 'v1.29.1' }), target: 'v1.31' });
  assert.deepEqual(steps(p), ['kubelets w@1.29 → 1.31 v1.31.14 (target)']);
  assert.deepEqual(plan({ apiservers: ['v1.31.14'], nodes: nodes({ w: 'v1.31.14' }), target: 'v1.31' }).steps, []);
});

test('versions the planner cannot read are errors that name the node; no apiserver at all is an error', () => {
  const p = plan({ apiservers: ['v1.30.1'], nodes: nodes({ odd: 'unknown' }), target: 'v1.31' });
  assert.match(p.problems.find((x) => x.code === 'kubelet-version-unreadable')?.message ?? '', /node odd: kubelet version "unknown"/);
  assert.deepEqual(codes(plan({ apiservers: [], target: 'v1.31' }), 'error'), ['no-apiserver']);
  assert.deepEqual(codes(plan({ apiservers: ['garbage'], target: 'v1.31' }), 'error'), ['apiserver-version-unreadable', 'no-apiserver']);
});

test('vendor version suffixes are read: v1.30.4-eks-1a2b3c and v1.30.4+k3s1', () => {
  const p = plan({ apiservers: ['v1.30.4-eks-1a2b3c'], nodes: nodes({ w: 'v1.30.4+k3s1' }), target: 'v1.31' });
  assert.deepEqual(codes(p, 'error'), []);
  assert.equal(p.steps.length, 2);
});

/** Replays a path and returns what broke the skew policy, if anything; also each node's upgrade count. */
function replay(p: UpgradePath, input: { apiserver: number; kubelets: Record<string, number>; target: number }): { violations: string[]; upgrades: Map<string, number>; final: Map<string, number> } {
  const kubelets = new Map(Object.entries(input.kubelets));
  const upgrades = new Map<string, number>();
  const violations: string[] = [];
  let cp = input.apiserver;
  for (const s of p.steps) {
    const to = Number(s.to.split('.')[1]);
    if (s.kind === 'control-plane') {
      if (to !== cp + 1) violations.push(`control plane skips from 1.${cp} to 1.${to}`);
      for (const [name, k] of kubelets) if (to - k > (k < 25 ? 2 : 3) || k > cp) violations.push(`${name} at 1.${k} when the control plane moves 1.${cp}→1.${to}`);
      cp = to;
    } else {
      if (to > cp) violations.push(`kubelets to 1.${to} above the control plane's 1.${cp}`);
      for (const n of s.nodes) {
        kubelets.set(n.name, to);
        upgrades.set(n.name, (upgrades.get(n.name) ?? 0) + 1);
      }
    }
  }
  if (cp !== input.target) violations.push(`control plane ends at 1.${cp}`);
  return { violations, upgrades, final: kubelets };
}

/** The fewest upgrades one kubelet needs on its own: each as late as possible, to the control plane's minor. */
function fewestUpgrades(kubelet: number, apiserver: number, target: number): number {
  let k = kubelet;
  let n = 0;
  for (let next = apiserver + 1; next <= target; next++) {
    if (next - k > (k < 25 ? 2 : 3)) {
      k = next - 1;
      n++;
    }
  }
  return n + (k < target ? 1 : 0);
}

test('property: at every control-plane step every kubelet is within the policy, all end at the target, each node upgraded the fewest times', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 28, max: 36 }),
      fc.integer({ min: 0, max: 8 }),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 6 }),
      (apiserver, up, behind) => {
        const target = Math.min(36, apiserver + up);
        const kubelets = Object.fromEntries(behind.map((b, i) => [`n${i}`, apiserver - b]));
        const p = plan({ apiservers: [`v1.${apiserver}.1`], nodes: nodes(Object.fromEntries(Object.entries(kubelets).map(([n, k]) => [n, `v1.${k}.0`]))), target: `v1.${target}` });
        const r = replay(p, { apiserver, kubelets, target });
        assert.deepEqual(r.violations, []);
        for (const [name, k] of r.final) assert.equal(k, target, `${name} ends at the target`);
        for (const [name, k] of Object.entries(kubelets)) assert.equal(r.upgrades.get(name) ?? 0, fewestUpgrades(k, apiserver, target), `${name} from 1.${k}`);
      },
    ),
    { numRuns: 300 },
  );
});
