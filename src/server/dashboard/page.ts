// The dashboard's HTML shell: the places the script fills (a rollout's stages, fleet, traffic chart, timeline, gates,
// blockers, the approval banner) with stable ids for people and tests. No data and no secret is in it.
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Daylight dashboard</title>
<link rel="stylesheet" href="/dashboard.css">
<script src="/dashboard.js" defer></script>
</head>
<body>
<header>
  <h1>Daylight</h1>
  <label>Run <select id="run-picker" data-testid="run-picker"><option value="">(no runs yet)</option></select></label>
  <span id="run-status" data-testid="run-status" data-status="">no run</span>
  <span class="controls">
    <button id="pause" data-testid="pause" type="button">Pause</button>
    <button id="resume" data-testid="resume" type="button">Resume</button>
    <button id="abort" data-testid="abort" type="button">Abort</button>
  </span>
  <span id="control-message" data-testid="control-message" role="status"></span>
  <div id="approval" data-testid="approval" hidden>
    <span id="approval-text" data-testid="approval-text"></span>
    <input id="approval-comment" data-testid="approval-comment" type="text" placeholder="comment (needed to reject)" aria-label="comment">
    <button id="approve" data-testid="approve" type="button">Approve</button>
    <button id="reject" data-testid="reject" type="button">Reject</button>
  </div>
  <a id="report-link" data-testid="report-link" href="#" target="_blank" rel="noopener">Report</a>
</header>
<main>
  <section class="panel wide" hidden><h2>Rollout</h2><table id="rollout" data-testid="rollout"><thead><tr><th>Stage</th><th>Status</th><th>Group</th><th>Clusters</th></tr></thead><tbody></tbody></table></section>
  <section class="panel wide"><h2>Fleet</h2><div id="fleet" data-testid="fleet"></div>
    <p class="legend" id="legend"></p></section>
  <section class="panel wide"><h2>Traffic split per region</h2><div id="traffic" data-testid="traffic"></div></section>
  <section class="panel"><h2>Timeline</h2><ol id="timeline" data-testid="timeline"></ol></section>
  <section class="panel"><h2>Gates and analysis</h2><table id="gates" data-testid="gates"><thead><tr><th>When</th><th>Region</th><th>Check</th><th>Value</th><th>Threshold</th><th>Result</th></tr></thead><tbody></tbody></table></section>
  <section class="panel"><h2>Blockers</h2><ul id="blockers" data-testid="blockers"></ul></section>
</main>
</body>
</html>
`;
