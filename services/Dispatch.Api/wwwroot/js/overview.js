// The wall screen (一屏观全域): the whole district at a glance, for a screen read from across the room. It takes the
// server's aggregate (GET /api/v1/overview) and, while the server has none, works the same figures out from the
// list and evaluation routes. It refreshes itself, follows the live stream for the map and the urgent cases, and
// needs no pointer once signed in.
import { boot, call, t, translate, watch, escape, named, labelOf, badge, zh, countdown, lang, connection } from './common.js';
import { createMap } from './map.js';

const $ = (selector) => document.querySelector(selector);
const REFRESH_MS = 60_000;
const URGENT = 8;
const MAP_ROWS = 600;
let reference = null;
let map = null;
let overview = null;
const open = new Map();

/** A day of the district (China Standard Time) as yyyy-MM-dd, days before today. */
const districtDay = (daysBefore = 0) => new Date(Date.now() + 8 * 3600000 - daysBefore * 86400000).toISOString().slice(0, 10);

/** The count of incidents matching a filter (one row asked for; the total is what counts). */
async function count(filter) {
  const page = await call('POST', '/api/v1/incidents:list', { filter, pageSize: 1 });
  return page.total ?? 0;
}

/** Runs the tasks a few at a time, so that the screen never floods the API. */
async function limited(tasks, width = 6) {
  const results = new Array(tasks.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < tasks.length) { const k = next++; results[k] = await tasks[k](); }
  }));
  return results;
}

/** The aggregate as the server will send it, worked out from the routes that exist today. */
async function computeOverview() {
  const figuresOf = (filter) => [
    () => count({ ...filter, openOnly: true }), () => count({ ...filter, overdueOnly: true }),
    () => count({ ...filter, openOnly: true, priorities: ['P1'] })];
  const groups = [{}, ...reference.streets.map((s) => ({ streets: [s.code] })), ...reference.scenarios.map((s) => ({ scenarios: [s.id] }))];
  const [counts, offline, urgent, trend] = await Promise.all([
    limited(groups.flatMap(figuresOf)),
    count({ openOnly: true, query: 'DEVICE_OFFLINE' }).catch(() => null),
    call('POST', '/api/v1/incidents:list', { filter: { openOnly: true, priorities: ['P1', 'P2'] }, pageSize: URGENT }),
    call('GET', `/api/v1/audit/trend?from=${districtDay(1)}&to=${districtDay(0)}`).catch(() => ({ days: [] })),
  ]);
  const triple = (k) => ({ open: counts[k * 3], overdue: counts[k * 3 + 1], p1: counts[k * 3 + 2] });
  const day = (d) => (trend.days ?? []).find((x) => x.day === d) ?? { day: d };
  return {
    at: new Date().toISOString(),
    totals: triple(0),
    streets: reference.streets.map((s, k) => ({ code: s.code, ...triple(1 + k) })),
    scenarios: reference.scenarios.map((s, k) => ({ id: s.id, ...triple(1 + reference.streets.length + k) })),
    devices: { offline, online: null, total: null, noisiest: null },
    today: day(districtDay(0)),
    yesterday: day(districtDay(1)),
    urgent: urgent.items ?? [],
  };
}

async function loadOverview() {
  try {
    overview = await call('GET', '/api/v1/overview');
  } catch (error) {
    if (error.status !== 404 && error.status !== 501) throw error;
    overview = await computeOverview();
  }
}

/** Open incidents for the map: the newest few hundred, then kept current by the live stream. */
async function loadOpen() {
  open.clear();
  let token = '';
  for (let page = 0; page < MAP_ROWS / 200; page++) {
    const reply = await call('POST', '/api/v1/incidents:list', { filter: { openOnly: true }, pageSize: 200, pageToken: token });
    for (const i of reply.items ?? []) open.set(i.number, i);
    token = reply.nextPageToken;
    if (!token) break;
  }
  map?.setIncidents([...open.values()]);
}

const number = (n) => (n === null || n === undefined ? '—' : Number(n).toLocaleString(lang()));
const versus = (yesterday) => `${t('yesterday')} ${number(yesterday)}`;

function render() {
  if (!overview) return;
  const o = overview;
  const kpi = (label, value, sub = '', alarm = false, key = '') =>
    `<div class="kpi" data-kpi="${key}"><span class="label">${escape(label)}</span><span class="value ${alarm ? 'alarm' : ''}">${number(value)}</span><span class="sub">${escape(sub)}</span></div>`;
  $('#kpis').setAttribute('aria-label', t('overview.title'));
  $('#kpis').innerHTML = [
    kpi(t('open'), o.totals.open, '', false, 'open'),
    kpi(t('overdue.count'), o.totals.overdue, '', o.totals.overdue > 0, 'overdue'),
    kpi(t('p1'), o.totals.p1, '', o.totals.p1 > 0, 'p1'),
    kpi(`${t('today')} · ${t('reported')}`, o.today?.reported ?? 0, versus(o.yesterday?.reported), false, 'reported'),
    kpi(`${t('today')} · ${t('closed')}`, o.today?.closed ?? 0, versus(o.yesterday?.closed), false, 'closed'),
    kpi(t('devices.offline'), o.devices?.offline, o.devices?.total ? `${t('devices.online')} ${number(o.devices.online)} / ${number(o.devices.total)}` : '', (o.devices?.offline ?? 0) > 0, 'offline'),
  ].join('');
  const head = `<tr><th scope="col" class="text">${t('name')}</th><th scope="col">${t('open')}</th><th scope="col">${t('overdue.count')}</th><th scope="col">${t('p1')}</th></tr>`;
  const rowOf = (name, x) => `<tr><th scope="row" class="text">${escape(name)}</th><td>${number(x.open)}</td>
    <td class="${x.overdue > 0 ? 'hot' : ''}">${number(x.overdue)}</td><td class="${x.p1 > 0 ? 'hot' : ''}">${number(x.p1)}</td></tr>`;
  $('#streets').innerHTML = head + [...o.streets].sort((a, b) => b.open - a.open)
    .map((s) => rowOf(named(reference.streets.find((x) => x.code === s.code)) || s.code, s)).join('');
  $('#scenarios').innerHTML = head + [...o.scenarios].sort((a, b) => b.open - a.open)
    .map((s) => rowOf(named(reference.scenarios.find((x) => x.id === s.id)) || s.id, s)).join('');
  const d = o.devices ?? {};
  $('#devices').innerHTML = `<div>${t('devices.offline')} <span class="big ${d.offline > 0 ? 'hot' : ''}">${number(d.offline)}</span></div>
    <div>${t('devices.online')} <span class="big">${number(d.online)}</span>${d.online === null || d.online === undefined ? ` <span class="muted">${t('awaiting.server')}</span>` : ''}</div>
    ${d.noisiest?.length ? `<div>${t('devices.noisy')}</div><ul>${d.noisiest.slice(0, 5).map((n) => `<li>${escape(named(reference.streets.find((s) => s.code === n.street)))} · ${escape(named(reference.scenarios.find((s) => s.id === n.scenario)))} · ${number(n.alerts)}</li>`).join('')}</ul>` : ''}`;
  renderUrgent();
  $('#updated').textContent = `${t('updated')} ${new Date(o.at).toLocaleTimeString(lang(), { hour12: false })}`;
}

function renderUrgent() {
  const typeOf = (code) => reference.scenarios.flatMap((s) => s.types).find((x) => x.code === code);
  $('#urgent').innerHTML = (overview?.urgent ?? []).slice(0, URGENT).map((i) => `<li data-number="${escape(i.number)}">
    ${badge(i.priority)}<span>${escape(named(typeOf(i.type)) || (zh() ? i.typeZh : i.typeEn))}</span>
    <span class="due level-${Math.min(3, i.escalation ?? 0)}">${countdown(i.dueAt)}</span>
    <span class="where">${escape(named(reference.streets.find((s) => s.code === i.street)))} · ${escape(labelOf('state', i.state))} · ${escape(new Date(i.reportedAt).toLocaleTimeString(lang(), { hour12: false }))}</span></li>`).join('')
    || `<li class="muted">${t('none')}</li>`;
}

/** A change from the live stream: the map and the urgent list follow at once; the counters at the next refresh. */
function onChange(change) {
  const i = change.incident;
  if (!i) return;
  const isOpen = !['Closed', 'Dismissed', 'Merged'].includes(i.state);
  if (isOpen) open.set(i.number, i); else open.delete(i.number);
  if (open.size > MAP_ROWS * 2) open.delete(open.keys().next().value);
  map?.setIncidents([...open.values()]);
  if (!overview) return;
  const rest = overview.urgent.filter((x) => x.number !== i.number);
  overview.urgent = isOpen && ['P1', 'P2'].includes(i.priority)
    ? [i, ...rest].sort((a, b) => (b.reportedAt ?? '').localeCompare(a.reportedAt ?? '')).slice(0, URGENT) : rest;
  renderUrgent();
}

async function refresh() {
  try {
    await loadOverview();
    render();
    connection('ok');
  } catch {
    connection('lost');
  }
}

boot(async () => {
  translate();
  const tick = () => { $('#clock').textContent = new Date().toLocaleString(lang(), { hour12: false, dateStyle: 'medium', timeStyle: 'short' }); };
  tick();
  setInterval(tick, 15_000);
  try {
    reference = await call('GET', '/api/v1/reference');
  } catch {
    connection('lost');
    setTimeout(() => location.reload(), REFRESH_MS);
    return;
  }
  createMap($('#map'), { kiosk: true }).then((m) => { map = m; map.setIncidents([...open.values()]); }).catch(() => {});
  await refresh();
  await loadOpen().catch(() => {});
  watch({}, onChange, () => { loadOpen().catch(() => {}); refresh(); });
  setInterval(refresh, REFRESH_MS);
  setInterval(renderUrgent, 30_000);
  // A screen that runs for weeks picks up a new version of the page once a night.
  setTimeout(() => location.reload(), 6 * 3600_000);
});
