// The office page and its sign-in page, rendered on the server: plain HTML, one small stylesheet,
// inline SVG timelines, no script.
import type { DeviceHealth } from './deviceHealth';
import { formatSpan } from './deviceHealth';
import { clockTime, esc } from './html';
import { OUTCOME_COLOURS, runTimeline } from './runTimeline';

const STYLE = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1c2529;background:#f5f7f8}
header{display:flex;align-items:center;gap:16px;padding:12px 24px;background:#263238;color:#fff}
header h1{font-size:18px;margin:0;flex:1}
header form{margin:0}
button{font:inherit;padding:6px 14px;border:0;border-radius:4px;background:#1565c0;color:#fff;cursor:pointer}
header button{background:#455a64}
main{padding:16px 24px}
.summary{margin:0 0 12px}
table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0002;width:100%}
th,td{padding:8px 10px;border-bottom:1px solid #e0e6e8;text-align:left;vertical-align:top}
th{font-size:12px;text-transform:uppercase;letter-spacing:.03em;color:#546e7a;background:#eceff1}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tbody.warn td{background:#fff8e1}
tr.runs td{border-bottom:2px solid #cfd8dc;padding-top:0}
svg.timeline{width:100%;height:auto;display:block}
.warning{color:#b26a00;font-weight:600;margin-top:4px}
.muted{color:#78909c;font-size:12px}
.outcome{display:inline-block;padding:0 6px;border-radius:3px;color:#fff;font-size:12px}
.cap{font-size:12px}
svg.timeline .grid{stroke:#e0e6e8}
svg.timeline .hour{font-size:9px;fill:#90a4ae}
.legend{margin-top:12px;font-size:12px;color:#546e7a}
.legend span{display:inline-block;margin-right:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
.empty{padding:24px;background:#fff}
.signin{max-width:360px;margin:64px auto;background:#fff;padding:24px;box-shadow:0 1px 2px #0002}
.signin label{display:block;margin:12px 0 4px}
.signin input{width:100%;box-sizing:border-box;padding:6px;font:inherit}
.signin p.error{color:#c62828}
`;

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

function ago(nowMs: number, t: number): string {
  const d = nowMs - t;
  return d < 0 ? 'just now' : `${formatSpan(d)} ago`;
}

function when(nowMs: number, t: number | null): string {
  if (t === null) return '<span class="muted">never</span>';
  return `${esc(clockTime(t))}<div class="muted">${esc(ago(nowMs, t))}</div>`;
}

function outcomeBadge(outcome: string): string {
  const colour = OUTCOME_COLOURS[outcome] ?? '#000';
  return `<span class="outcome" style="background:${colour}">${esc(outcome.replace('_', ' '))}</span>`;
}

function capability(h: DeviceHealth): string {
  const c = h.device.capability;
  const parts: string[] = [c.status];
  if (c.backgroundAppRefresh !== null) parts.push(`refresh ${c.backgroundAppRefresh ? 'on' : 'off'}`);
  if (c.lowPowerMode !== null) parts.push(`low power ${c.lowPowerMode ? 'on' : 'off'}`);
  if (c.batteryOptimization !== null) parts.push(`battery opt. ${c.batteryOptimization ? 'on' : 'off'}`);
  if (c.policy) parts.push(`policy ${c.policy}`);
  return `<div class="cap" data-field="capability">${esc(parts.join(' · '))}</div>`;
}

function deviceRow(h: DeviceHealth, nowMs: number): string {
  const d = h.device;
  const bg = d.lastBackgroundRun;
  const warnings = h.warnings
    .map((w) => `<div class="warning" data-field="warning">⚠ ${esc(w)}</div>`)
    .join('');
  return `<tbody data-device="${esc(d.deviceId)}" data-user="${esc(d.userId)}"${h.warnings.length ? ' class="warn"' : ''}>
<tr><td data-field="technician">${esc(d.userId)}</td>
<td data-field="device">${esc(d.deviceName ?? d.deviceId)}<div class="muted">${esc(d.platform)}${d.appVersion ? ` · ${esc(d.appVersion)}` : ''} · reported ${esc(ago(nowMs, d.reportedAt))}</div>${capability(h)}${warnings}</td>
<td data-field="last-success">${when(nowMs, h.lastSuccessfulSyncAt)}</td>
<td data-field="last-background">${bg ? `${when(nowMs, bg.startedAt)}${outcomeBadge(bg.outcome)}` : '<span class="muted">none</span>'}</td>
<td class="num" data-field="pending">${d.pendingChanges} changes<div class="muted">${d.pendingPhotos} photos</div></td>
<td class="num" data-field="failures">${h.failures} runs<div class="muted">${d.failedPhotos} photos</div></td>
<td class="num" data-field="rejected">${d.rejectedChanges}</td></tr>
<tr class="runs"><td></td><td colspan="6" data-field="timeline">${runTimeline(h.runs, nowMs)}<div class="muted">${h.runs.length} runs in the last 24 h</div></td></tr>
</tbody>`;
}

export function renderOfficePage(p: {
  orgId: string;
  userId: string;
  nowMs: number;
  devices: DeviceHealth[];
}): string {
  const warned = p.devices.filter((d) => d.warnings.length > 0).length;
  const technicians = new Set(p.devices.map((d) => d.device.userId)).size;
  const legend = Object.entries(OUTCOME_COLOURS)
    .map(([o, c]) => `<span><i style="background:${c}"></i>${esc(o.replace('_', ' '))}</span>`)
    .join('');
  const table =
    p.devices.length === 0
      ? '<div class="empty">No device has reported yet. Phones report after their next sync run.</div>'
      : `<table><thead><tr><th>Technician</th><th>Device</th><th>Last successful sync</th><th>Last background run</th><th>Pending</th><th>Failures (24 h)</th><th>Rejected changes</th></tr></thead>${p.devices.map((d) => deviceRow(d, p.nowMs)).join('')}</table>`;
  return layout(
    'Sync health — VHD office',
    `<header><h1>Sync health · ${esc(p.orgId)}</h1><span>${esc(p.userId)}</span><form method="post" action="/office/sign-out"><button type="submit">Sign out</button></form></header>
<main><p class="summary" data-field="summary">${technicians} technician(s), ${p.devices.length} device(s), <strong>${warned} with warnings</strong> · as of ${esc(clockTime(p.nowMs))}</p>
${table}
<div class="legend">Runs of the last 24 h, UTC hours: tall marks are background runs, short ones resume catch-ups and “sync now”. ${legend}</div></main>`,
  );
}

export function renderSignIn(p: { devAuth: boolean; error?: string; user?: string; org?: string }): string {
  const error = p.error ? `<p class="error" role="alert">${esc(p.error)}</p>` : '';
  const form = p.devAuth
    ? `<p class="muted">Dev auth: any user and organization id.</p>
<form method="post" action="/office/sign-in"><label for="user">User</label><input id="user" name="user" value="${esc(p.user ?? 'office')}" required pattern="[A-Za-z0-9_\\-]{1,64}">
<label for="org">Organization</label><input id="org" name="org" value="${esc(p.org ?? '')}" required pattern="[A-Za-z0-9_\\-]{1,64}" placeholder="org_…">
<p><button type="submit">Sign in</button></p></form>`
    : `<p>Sign in to the app on this domain with Clerk, then reload: the page reads Clerk's session cookie.</p>`;
  return layout('Sign in — VHD office', `<div class="signin"><h1>VHD office</h1>${error}${form}</div>`);
}
