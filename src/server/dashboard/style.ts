// The dashboard's stylesheet: node colours by step, the panels' layout. Served as /dashboard.css.
export const DASHBOARD_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2430; background: #f4f6f8; }
header { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 10px 16px; background: #1d2430; color: #fff; }
header h1 { font-size: 18px; margin: 0 12px 0 0; }
header a { color: #9cd0ff; }
#run-status { padding: 2px 8px; border-radius: 10px; background: #555; }
#run-status[data-status=running] { background: #1f7a3a; }
#run-status[data-status=paused] { background: #a86b00; }
#run-status[data-status=succeeded] { background: #1a5fb4; }
#run-status[data-status=degraded] { background: #c64600; outline: 2px dashed #ffd28a; }
#run-status[data-status=failed], #run-status[data-status=aborted] { background: #a12222; }
#control-message { font-style: italic; }
main { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; padding: 12px; }
.panel { background: #fff; border-radius: 6px; padding: 8px 12px; box-shadow: 0 1px 2px rgba(0,0,0,.1); overflow: auto; max-height: 480px; }
.panel.wide { grid-column: span 2; max-height: none; }
.panel h2 { font-size: 15px; margin: 4px 0 8px; }
.region { display: inline-block; vertical-align: top; margin: 0 12px 8px 0; padding: 6px; border: 1px solid #ccd; border-radius: 4px; }
.region > h3 { font-size: 14px; margin: 0 0 4px; }
.zone { display: inline-block; vertical-align: top; margin: 0 6px; padding: 4px; background: #eef1f5; border-radius: 4px; }
.zone > h4, .rack > h5 { font-size: 11px; margin: 0 0 2px; font-weight: normal; color: #556; }
.rack { margin: 2px 0; }
.node { display: inline-block; min-width: 64px; margin: 2px; padding: 2px 4px; border-radius: 3px; font-size: 11px; background: #cfd6df; }
.node[data-step=cordoning], .node[data-step=cordoned] { background: #ffe08a; }
.node[data-step=draining], .node[data-step=drained] { background: #ffb454; }
.node[data-step=acting], .node[data-step=back] { background: #f27a7a; }
.node[data-step=ready], .node[data-step=uncordoning] { background: #9fd3ff; }
.node[data-step=done] { background: #79d28f; }
.node[data-outcome=failed], .node[data-outcome=quarantined] { background: #c0392b; color: #fff; }
.node[data-outcome=skipped] { background: #b7b7b7; }
.legend span { margin-right: 8px; }
#traffic svg { width: 100%; height: 220px; background: #fbfcfd; }
#timeline { font-size: 12px; padding-left: 20px; }
#gates { border-collapse: collapse; font-size: 12px; width: 100%; }
#gates td, #gates th { border-bottom: 1px solid #e3e6ea; padding: 2px 4px; text-align: left; }
tr[data-passed=false] td { color: #a12222; }
#blockers { font-size: 12px; }
#rollout { border-collapse: collapse; font-size: 12px; width: 100%; }
#rollout td, #rollout th { border-bottom: 1px solid #e3e6ea; padding: 2px 4px; text-align: left; vertical-align: top; }
.cluster { display: inline-block; margin: 1px 3px; padding: 0 4px; border-radius: 3px; background: #e3e6ea; }
.cluster[data-state=running] { background: #ffd27f; }
.cluster[data-state=done] { background: #79d28f; }
.cluster[data-state=failed] { background: #c0392b; color: #fff; }
.cluster[data-state=skipped] { background: #b7b7b7; }
td[data-stage-status=halted] { color: #a12222; }
`;
