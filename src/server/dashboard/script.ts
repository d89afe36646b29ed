// The dashboard's script, plain browser JavaScript served as /dashboard.js: picks a run, follows its
// journal over server-sent events and draws a rollout's stages, the fleet, the traffic split, the timeline, gates and
// blockers, and the approval the run waits for; the pause/resume/abort and approve/reject buttons POST with
// the token read from the URL fragment (kept in memory only, and taken out of the address bar).
export const DASHBOARD_JS = String.raw`'use strict';
(function () {
  var token = readToken();
  var view = { source: null, runId: '', model: null, timer: 0 };
  var STEPS = ['pending', 'cordoning', 'cordoned', 'draining', 'drained', 'acting', 'back', 'ready', 'uncordoning', 'done'];
  var NODE_STEP = {
    'node.cordon.requested': 'cordoning', 'node.cordoned': 'cordoned', 'node.drain.started': 'draining',
    'node.drained': 'drained', 'node.pods.deleted': 'drained', 'node.action.requested': 'acting',
    'node.action.confirmed': 'back', 'node.ready': 'ready', 'node.uncordon.requested': 'uncordoning', 'node.done': 'done'
  };
  var COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];

  function readToken() {
    var m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (m) history.replaceState(null, '', location.pathname + location.search);
    return m ? decodeURIComponent(m[1]) : '';
  }

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  function headers() { return token ? { Authorization: 'Bearer ' + token } : {}; }
  function clock(ms) { return new Date(ms).toISOString().slice(11, 19); }

  function emptyModel() {
    return { status: '', clusters: [], nodes: {}, order: [], traffic: {}, timeline: [], gates: [], blockers: [], approvals: {}, stages: [], clusterState: {} };
  }

  function place(m, cluster, name, domain) {
    var key = cluster + '/' + name;
    if (!m.nodes[key]) {
      var rack = /^(.*)-r(\d+)-n\d+$/.exec(name);
      var zone = rack ? rack[1] : (domain || 'nodes');
      m.nodes[key] = { cluster: cluster, name: name, zone: zone, rack: rack ? rack[1] + '-r' + rack[2] : zone, step: 'pending', outcome: '' };
      m.order.push(key);
    }
    return m.nodes[key];
  }

  function point(m, region, at, weight) {
    (m.traffic[region] = m.traffic[region] || []).push({ at: at, weight: weight });
  }

  function gateRows(m, at, cluster, when, results) {
    (results || []).forEach(function (r) {
      m.gates.push({ at: at, cluster: cluster, when: when, name: r.gate || r.analysis, value: r.value, threshold: r.threshold, passed: r.passed !== undefined ? r.passed : r.verdict === 'successful', verdict: r.verdict, message: r.message });
    });
  }

  function answered(m, e) {
    var a = m.approvals[e.step];
    if (a && a.status === 'waiting') { a.status = e.type === 'approval.granted' ? 'granted' : 'rejected'; a.by = e.by; a.comment = e.comment; }
  }

  function waiting(m) {
    if (['succeeded', 'degraded', 'failed', 'aborted'].indexOf(m.status) >= 0) return [];
    return Object.keys(m.approvals).map(function (k) { return m.approvals[k]; }).filter(function (a) { return a.status === 'waiting'; });
  }

  function stageOf(m, name) {
    for (var i = 0; i < m.stages.length; i++) if (m.stages[i].name === name) return m.stages[i];
    return null;
  }

  /** A rollout's stages, groups and clusters as the journal tells them. */
  function applyRollout(m, e, at) {
    var t = e.type, st = e.stage ? stageOf(m, e.stage) : null;
    if (t === 'rollout.stage.started') {
      if (!st) m.stages.push({ name: e.stage, status: 'running', groups: (e.groups || []).map(function (g) { return { name: g.name, clusters: g.clusters, status: '' }; }) });
      m.timeline.push({ kind: 'stage', at: at, text: 'stage ' + e.stage + ' started' });
      return;
    }
    if (t === 'rollout.skipped') { m.timeline.push({ kind: 'stage', at: at, text: e.key.replace('/', ' ') + ' skipped by ' + e.by + (e.comment ? ': ' + e.comment : '') }); if (e.key.indexOf('cluster/') === 0) m.clusterState[e.key.slice(8)] = 'skipped'; return; }
    if (!st) return;
    var group = function (name) { return st.groups.filter(function (g) { return g.name === name; })[0]; };
    if (t === 'rollout.cluster.failed') { m.clusterState[e.cluster] = 'failed'; m.timeline.push({ kind: 'stage', at: at, text: e.cluster + ' failed in stage ' + e.stage + ': ' + e.reason }); }
    else if (t === 'rollout.group.completed' && group(e.group)) group(e.group).status = 'completed';
    else if (t === 'rollout.group.stopped' && group(e.group)) { group(e.group).status = 'stopped'; m.timeline.push({ kind: 'stage', at: at, text: 'group ' + e.group + ' of ' + e.stage + ' stopped: ' + e.reason }); }
    else if (t === 'rollout.stage.halted') { st.status = 'halted'; st.reason = e.reason; m.timeline.push({ kind: 'stage', at: at, text: 'stage ' + e.stage + ' halted: ' + e.reason }); }
    else if (t === 'rollout.stage.completed') { st.status = 'completed'; m.timeline.push({ kind: 'stage', at: at, text: 'stage ' + e.stage + ' completed' }); }
    else if (t === 'rollout.soak.started') { st.status = 'soaking'; st.soakUntil = e.until; }
    else if (t === 'rollout.soak.completed') { st.status = 'completed'; st.soakUntil = 0; }
    else if (t === 'rollout.gate.waiting') st.waitingUntil = e.until;
  }

  function apply(m, entry) {
    var e = entry.event, at = entry.at, t = e.type;
    if (t.indexOf('rollout.') === 0) { applyRollout(m, e, at); return; }
    if (t === 'lease.acquired' && m.clusterState[e.cluster] !== 'failed') m.clusterState[e.cluster] = 'running';
    if (t === 'lease.released' && m.clusterState[e.cluster] === 'running') m.clusterState[e.cluster] = 'done';
    if (NODE_STEP[t] && e.node) {
      var n = place(m, e.cluster, e.node);
      n.step = NODE_STEP[t];
      if (t === 'node.done') { n.outcome = e.outcome; m.timeline.push({ kind: 'node', at: at, text: e.cluster + '/' + e.node + ' ' + e.outcome + (e.message ? ' (' + e.message + ')' : '') }); }
      return;
    }
    switch (t) {
      case 'run.started': case 'run.resumed': m.status = 'running'; if (e.clusters) m.clusters = e.clusters; m.timeline.push({ kind: 'run', at: at, text: t === 'run.started' ? 'run started' : 'run resumed' }); return;
      case 'run.paused': m.status = 'paused'; m.timeline.push({ kind: 'run', at: at, text: 'paused: ' + e.reason }); return;
      case 'run.succeeded': m.status = 'succeeded'; m.timeline.push({ kind: 'run', at: at, text: 'run succeeded' }); return;
      case 'run.degraded': m.status = 'degraded'; m.timeline.push({ kind: 'run', at: at, text: 'degraded: ' + e.reason }); (e.problems || []).forEach(function (p) { m.timeline.push({ kind: 'run', at: at, text: 'problem: ' + p }); }); return;
      case 'node.held': m.timeline.push({ kind: 'node', at: at, text: e.cluster + '/' + e.node + ' left cordoned: ' + e.reason }); return;
      case 'warning': m.timeline.push({ kind: 'run', at: at, text: 'warning: ' + e.message }); return;
      case 'run.failed': case 'run.aborted': m.status = t.slice(4); m.timeline.push({ kind: 'run', at: at, text: m.status + ': ' + e.reason }); return;
      case 'control.received': m.timeline.push({ kind: 'control', at: at, text: 'control received: ' + e.command }); return;
      case 'approval.requested': if (!m.approvals[e.step]) m.approvals[e.step] = { step: e.step, status: 'waiting', name: e.name, message: e.message, deadline: e.deadline, onTimeout: e.onTimeout }; m.timeline.push({ kind: 'approval', at: at, text: 'waiting for approval of ' + e.step + (e.message ? ': ' + e.message : '') }); return;
      case 'approval.granted': case 'approval.rejected': answered(m, e); m.timeline.push({ kind: 'approval', at: at, text: e.step + (t === 'approval.granted' ? ' approved' : ' rejected') + ' by ' + e.by + (e.comment ? ': ' + e.comment : '') }); return;
      case 'phase.planned': (e.waves || []).forEach(function (w) { (w.nodes || []).forEach(function (name) { place(m, e.cluster, name, w.domain); }); }); return;
      case 'wave.started': m.timeline.push({ kind: 'wave', at: at, text: e.cluster + ' ' + e.phase + ' wave ' + (e.wave + 1) + ' started: ' + (e.nodes || []).join(', ') }); return;
      case 'wave.completed': m.timeline.push({ kind: 'wave', at: at, text: e.cluster + ' ' + e.phase + ' wave ' + (e.wave + 1) + ' completed' }); return;
      case 'traffic.before': Object.keys(e.regions || {}).forEach(function (r) { point(m, r, at, e.regions[r].weight); }); return;
      case 'traffic.drained': point(m, e.cluster, at, 0); m.timeline.push({ kind: 'region', at: at, text: e.cluster + ' drained from the balancer' }); return;
      case 'traffic.step.set': if (typeof e.weight === 'number') point(m, e.cluster, at, e.weight); m.timeline.push({ kind: 'region', at: at, text: e.cluster + ' traffic at ' + e.percent + '%' }); return;
      case 'traffic.cut': point(m, e.cluster, at, 0); m.timeline.push({ kind: 'region', at: at, text: e.cluster + ' cut: ' + e.reason }); return;
      case 'traffic.restored': case 'traffic.put-back': point(m, e.cluster, at, e.weight); m.timeline.push({ kind: 'region', at: at, text: e.cluster + ' traffic restored' }); return;
      case 'gates.evaluated': gateRows(m, at, e.cluster, e.when + (e.wave !== undefined ? ' wave ' + (e.wave + 1) : ''), e.results); return;
      case 'region.preconditions': gateRows(m, at, e.cluster, 'preconditions', e.results); return;
      case 'region.validated': gateRows(m, at, e.cluster, 'validation', e.results); return;
      case 'analysis.measured': gateRows(m, at, e.cluster, 'analysis, step ' + (e.step + 1), e.records); return;
      default:
    }
    if (t === 'node.pod.blocked') m.blockers.push({ at: at, node: e.cluster + '/' + e.node, reason: e.pod + ': ' + e.diagnostic });
    if (t === 'node.drain.timeout') (e.blockers || []).forEach(function (b) { m.blockers.push({ at: at, node: e.cluster + '/' + e.node, reason: 'drain timed out (' + e.policy + '): ' + b }); });
  }

  function renderFleet(m) {
    var root = $('fleet'), regions = {};
    // every region of the run shows, also those whose nodes are planned only when their turn comes
    m.clusters.forEach(function (c) { regions[c] = regions[c] || {}; });
    m.order.forEach(function (key) {
      var n = m.nodes[key];
      var r = regions[n.cluster] = regions[n.cluster] || {};
      var z = r[n.zone] = r[n.zone] || {};
      (z[n.rack] = z[n.rack] || []).push(n);
    });
    root.textContent = '';
    Object.keys(regions).sort().forEach(function (r) {
      var rs = el('div', { 'class': 'region', 'data-region': r });
      rs.appendChild(el('h3', {}, r));
      if (Object.keys(regions[r]).length === 0) rs.appendChild(el('p', { 'class': 'waiting' }, 'nodes are planned when the region\'s turn comes'));
      Object.keys(regions[r]).sort().forEach(function (z) {
        var zs = el('div', { 'class': 'zone', 'data-zone': z });
        zs.appendChild(el('h4', {}, z));
        Object.keys(regions[r][z]).sort().forEach(function (k) {
          var ks = el('div', { 'class': 'rack', 'data-rack': k });
          ks.appendChild(el('h5', {}, k));
          regions[r][z][k].sort(function (a, b) { return a.name < b.name ? -1 : 1; }).forEach(function (n) {
            ks.appendChild(el('span', { 'class': 'node', 'data-node': n.name, 'data-region': n.cluster, 'data-step': n.step, 'data-outcome': n.outcome, title: n.name + ': ' + n.step + (n.outcome ? ' (' + n.outcome + ')' : '') }, n.name));
          });
          zs.appendChild(ks);
        });
        rs.appendChild(zs);
      });
      root.appendChild(rs);
    });
  }

  function renderTraffic(m) {
    var root = $('traffic'), regions = Object.keys(m.traffic).sort();
    var W = 800, H = 200, P = 30, all = [];
    regions.forEach(function (r) { all = all.concat(m.traffic[r]); });
    var s = svg('svg', { viewBox: '0 0 ' + W + ' ' + (H + 20), 'data-points': String(all.length), role: 'img', 'aria-label': 'traffic weight per region over time' });
    if (all.length > 0) {
      var t0 = Math.min.apply(null, all.map(function (p) { return p.at; }));
      var t1 = Math.max.apply(null, all.map(function (p) { return p.at; }).concat([t0 + 1]));
      var wMax = Math.max.apply(null, all.map(function (p) { return p.weight; }).concat([1]));
      var x = function (at) { return P + (at - t0) / (t1 - t0) * (W - 2 * P); };
      var y = function (w) { return H - w / wMax * (H - 20); };
      s.appendChild(svg('line', { x1: P, y1: H, x2: W - P, y2: H, stroke: '#999' }));
      regions.forEach(function (r, i) {
        var c = COLOURS[i % COLOURS.length], pts = m.traffic[r], d = '';
        pts.forEach(function (p, j) { d += j === 0 ? 'M' + x(p.at).toFixed(1) + ',' + y(p.weight).toFixed(1) : 'H' + x(p.at).toFixed(1) + 'V' + y(p.weight).toFixed(1); });
        d += 'H' + (W - P);
        s.appendChild(svg('path', { d: d, fill: 'none', stroke: c, 'stroke-width': 2, 'data-region': r }));
        pts.forEach(function (p) { s.appendChild(svg('circle', { 'class': 'pt', cx: x(p.at).toFixed(1), cy: y(p.weight).toFixed(1), r: 3, fill: c, 'data-region': r, 'data-weight': String(p.weight) })); });
        var label = svg('text', { x: P + i * 160, y: H + 16, fill: c, 'font-size': 12 });
        label.textContent = r + ' (now ' + pts[pts.length - 1].weight + ')';
        s.appendChild(label);
      });
    }
    root.textContent = '';
    root.appendChild(s);
  }

  function renderStages(m) {
    var root = $('rollout'), body = root.querySelector('tbody');
    root.closest('section').hidden = m.stages.length === 0;
    body.textContent = '';
    m.stages.forEach(function (st) {
      var done = st.groups.filter(function (g) { return g.status; }).length;
      var status = st.status + (st.soakUntil ? ' until ' + new Date(st.soakUntil).toISOString().slice(0, 16).replace('T', ' ') : '');
      st.groups.forEach(function (g, i) {
        var tr = el('tr', { 'data-stage': st.name, 'data-group': g.name, 'data-group-status': g.status || 'pending' });
        tr.appendChild(el('td', {}, i === 0 ? st.name : ''));
        tr.appendChild(el('td', { 'data-stage-status': st.status }, i === 0 ? status + ' · ' + done + '/' + st.groups.length + ' groups done' : ''));
        tr.appendChild(el('td', {}, g.name + (g.status ? ' (' + g.status + ')' : '')));
        var cell = el('td', {});
        g.clusters.forEach(function (c) { cell.appendChild(el('span', { 'class': 'cluster', 'data-cluster': c, 'data-state': m.clusterState[c] || 'pending', title: c + ': ' + (m.clusterState[c] || 'pending') }, c)); });
        tr.appendChild(cell);
        body.appendChild(tr);
      });
    });
  }

  function renderList(id, items, make) {
    var root = $(id);
    root.textContent = '';
    items.forEach(function (i) { root.appendChild(make(i)); });
  }

  function render() {
    view.timer = 0;
    var m = view.model;
    if (!m) return;
    var st = $('run-status');
    st.textContent = view.runId + ': ' + (m.status || 'unknown');
    st.setAttribute('data-status', m.status);
    renderStages(m);
    renderFleet(m);
    renderTraffic(m);
    renderList('timeline', m.timeline, function (i) { return el('li', { 'data-kind': i.kind }, clock(i.at) + '  ' + i.text); });
    var body = $('gates').querySelector('tbody');
    body.textContent = '';
    m.gates.forEach(function (g) {
      var tr = el('tr', { 'data-passed': String(g.passed), 'data-gate': g.name });
      [clock(g.at) + ' ' + g.when, g.cluster, g.name, g.value === undefined ? '' : String(g.value), g.threshold || '', (g.verdict || (g.passed ? 'passed' : 'failed')) + (g.message ? ': ' + g.message : '')].forEach(function (c) { tr.appendChild(el('td', {}, c)); });
      body.appendChild(tr);
    });
    var asked = waiting(m);
    $('approval').hidden = asked.length === 0;
    $('approval-text').textContent = asked.map(function (a) { return 'Waiting for approval of ' + a.step + (a.name ? ' (' + a.name + ')' : '') + (a.message ? ': ' + a.message : '') + (a.deadline ? '; ' + (a.onTimeout === 'approve' ? 'approved' : 'rejected') + ' by itself at ' + new Date(a.deadline).toISOString() : ''); }).join(' · ');
    $('approval').setAttribute('data-step', asked.length === 1 ? asked[0].step : '');
    renderList('blockers', m.blockers, function (b) { return el('li', { 'data-node': b.node }, clock(b.at) + ' ' + b.node + ': ' + b.reason); });
    if (m.blockers.length === 0) $('blockers').appendChild(el('li', { 'class': 'none' }, 'none'));
  }

  function schedule() { if (!view.timer) view.timer = setTimeout(render, 100); }

  function follow(runId) {
    if (view.source) view.source.close();
    view.runId = runId;
    view.model = emptyModel();
    $('report-link').setAttribute('href', '/api/runs/' + encodeURIComponent(runId) + '/report?format=html');
    render();
    if (!runId) return;
    var src = new EventSource('/api/runs/' + encodeURIComponent(runId) + '/events');
    view.source = src;
    src.onmessage = function (msg) {
      if (view.source !== src) return;
      try { apply(view.model, JSON.parse(msg.data)); } catch (err) { return; }
      schedule();
    };
    // A refused stream (429: the server holds as many as it serves) is closed for good: ask again later.
    src.onerror = function () {
      if (view.source !== src || src.readyState !== EventSource.CLOSED) return;
      $('control-message').textContent = 'live updates refused by the server (too many open streams); retrying in 10 s';
      setTimeout(function () { if (view.source === src) follow(runId); }, 10000);
    };
  }

  function loadRuns() {
    return fetch('/api/runs', { headers: headers() }).then(function (r) { return r.json(); }).then(function (body) {
      var picker = $('run-picker'), runs = body.runs || [], current = picker.value;
      if (runs.length === 0) return;
      picker.textContent = '';
      runs.slice().reverse().forEach(function (r) { picker.appendChild(el('option', { value: r.runId }, r.runId + ' (' + r.status + (r.live ? ', live' : '') + ')')); });
      var want = current && runs.some(function (r) { return r.runId === current; }) ? current : runs[runs.length - 1].runId;
      picker.value = want;
      if (want !== view.runId) follow(want);
    }).catch(function () { return undefined; });
  }

  function control(command) {
    var msg = $('control-message');
    if (!view.runId) { msg.textContent = 'no run selected'; return; }
    fetch('/api/runs/' + encodeURIComponent(view.runId) + '/' + command, { method: 'POST', headers: headers() })
      .then(function (r) { return r.json().then(function (b) { msg.setAttribute('data-status', String(r.status)); msg.textContent = r.ok ? command + ' sent' : command + ' refused (' + r.status + '): ' + b.error; }); })
      .catch(function (err) { msg.textContent = command + ' failed: ' + err; });
  }

  /** Answers the step shown (the one the run waits at) with the comment typed; the server names the token as the approver. */
  function answer(decision) {
    var msg = $('control-message');
    if (!view.runId) { msg.textContent = 'no run selected'; return; }
    var step = $('approval').getAttribute('data-step');
    var body = { comment: $('approval-comment').value };
    if (step) body.step = step;
    var h = headers();
    h['Content-Type'] = 'application/json';
    fetch('/api/runs/' + encodeURIComponent(view.runId) + '/' + decision, { method: 'POST', headers: h, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (b) { msg.setAttribute('data-status', String(r.status)); msg.textContent = r.ok ? decision + ' sent for ' + b.step : decision + ' refused (' + r.status + '): ' + b.error; }); })
      .catch(function (err) { msg.textContent = decision + ' failed: ' + err; });
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('legend').textContent = 'Steps: ' + STEPS.join(' → ');
    $('run-picker').addEventListener('change', function (ev) { follow(ev.target.value); });
    ['pause', 'resume', 'abort'].forEach(function (c) { $(c).addEventListener('click', function () { control(c); }); });
    ['approve', 'reject'].forEach(function (d) { $(d).addEventListener('click', function () { answer(d); }); });
    loadRuns();
    setInterval(loadRuns, 2000);
  });
})();
`;
