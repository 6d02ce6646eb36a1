// The wall screen (一屏观全域): the whole district at a glance, for a screen read from across the room. One answer of
// the server (GET /api/v1/overview) holds everything it shows, asked again every 20 seconds, so that a wall screen
// with a kiosk key (opened once as /overview/#kiosk=<key>) needs no sign-in and no other route. Signed-in people
// see the same. It needs no pointer, and reloads itself once in a while to pick up a new version of the page.
import {
  boot,
  call,
  t,
  translate,
  escape,
  named,
  labelOf,
  badge,
  zh,
  countdown,
  lang,
  connection,
  useLabels,
  session,
  ApiError,
} from './common.js';
import { createMap } from './map.js';

const $ = (selector) => document.querySelector(selector);
const KIOSK = 'dispatch.kiosk';
const REFRESH_MS = 20_000;
let map = null;
let overview = null;

// A kiosk key in the address is kept in the browser and taken out of the address (and of the history).
const fromHash = new URLSearchParams(location.hash.slice(1)).get('kiosk');
if (fromHash) {
  localStorage.setItem(KIOSK, fromHash);
  history.replaceState(null, '', location.pathname + location.search);
}
const kioskKey = () => localStorage.getItem(KIOSK);

async function loadOverview() {
  const key = kioskKey();
  if (!key || session.token) return call('GET', '/api/v1/overview');
  const response = await fetch('/api/v1/overview', { headers: { authorization: `Kiosk ${key}` } });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => ({})));
  return response.json();
}

const number = (n) => Number(n ?? 0).toLocaleString(lang());
const versus = (yesterday) => `${t('yesterday')} ${number(yesterday)}`;

function render() {
  if (!overview) return;
  const o = overview;
  useLabels(o.labels);
  const totals = o.totals ?? {};
  const kpi = (label, value, sub = '', alarm = false, key = '') =>
    `<div class="kpi" data-kpi="${key}"><span class="label">${escape(label)}</span>` +
    `<span class="value ${alarm ? 'alarm' : ''}">${number(value)}</span><span class="sub">${escape(sub)}</span></div>`;
  $('#kpis').setAttribute('aria-label', t('overview.title'));
  $('#kpis').innerHTML = [
    kpi(t('open'), totals.open, '', false, 'open'),
    kpi(t('overdue.count'), totals.overdue, '', (totals.overdue ?? 0) > 0, 'overdue'),
    kpi(t('p1'), totals.p1, '', (totals.p1 ?? 0) > 0, 'p1'),
    kpi(`${t('today')} · ${t('reported')}`, o.today?.reported, versus(o.yesterday?.reported), false, 'reported'),
    kpi(`${t('today')} · ${t('closed')}`, o.today?.closed, versus(o.yesterday?.closed), false, 'closed'),
    kpi(
      t('devices.offline'),
      o.devices?.offline,
      `${t('devices.reporting')} ${number(o.devices?.reporting)}`,
      (o.devices?.offline ?? 0) > 0,
      'offline',
    ),
  ].join('');
  const head =
    `<tr><th scope="col" class="text">${t('name')}</th><th scope="col">${t('open')}</th>` +
    `<th scope="col">${t('overdue.count')}</th><th scope="col">${t('p1')}</th></tr>`;
  const hot = (n) => (n > 0 ? 'hot' : '');
  const rowOf = (x) => `<tr><th scope="row" class="text">${escape(named(x))}</th><td>${number(x.open)}</td>
    <td class="${hot(x.overdue)}">${number(x.overdue)}</td><td class="${hot(x.p1)}">${number(x.p1)}</td></tr>`;
  const byOpen = (list) => [...(list ?? [])].sort((a, b) => (b.open ?? 0) - (a.open ?? 0));
  $('#streets').innerHTML = head + byOpen(o.streets).map(rowOf).join('');
  $('#scenarios').innerHTML = head + byOpen(o.scenarios).map(rowOf).join('');
  const d = o.devices ?? {};
  $('#devices').innerHTML =
    `<div>${t('devices.offline')} <span class="big ${d.offline > 0 ? 'hot' : ''}">${number(d.offline)}</span></div>
    <div>${t('devices.reporting')} <span class="big">${number(d.reporting)}</span></div>
    <div>${t('devices.noisy')}</div><ol class="noisy">${
      (d.noisiest ?? [])
        .map(
          (n) => `<li><span class="device">${escape(n.deviceId)}</span>
      <b>${number(n.alertsToday)}</b> <span class="muted">${versus(n.alertsYesterday)}</span></li>`,
        )
        .join('') || `<li class="muted">${t('none')}</li>`
    }</ol>`;
  const where = (i) =>
    `${escape(named(o.streets?.find((s) => s.code === i.street)))} · ${escape(labelOf('state', i.state))} · ` +
    escape(new Date(i.reportedAt).toLocaleTimeString(lang(), { hour12: false }));
  $('#urgent').innerHTML =
    (o.urgent ?? [])
      .map(
        (i) => `<li data-number="${escape(i.number)}">
    ${badge(i.priority)}<span>${escape(zh() ? i.typeZh : i.typeEn)}</span>
    <span class="due">${countdown(i.dueAt)}</span>
    <span class="where">${where(i)}</span></li>`,
      )
      .join('') || `<li class="muted">${t('none')}</li>`;
  map?.setIncidents(
    (o.points ?? []).map((p) => ({
      number: p.number,
      priority: p.priority,
      escalation: p.escalation ?? 0,
      location: p.location,
    })),
  );
  $('#updated').textContent = `${t('updated')} ${new Date(o.at).toLocaleTimeString(lang(), { hour12: false })}`;
}

async function refresh() {
  try {
    overview = await loadOverview();
    render();
    connection('ok');
  } catch {
    connection('lost');
  }
}

function start() {
  document.getElementById('signin').hidden = true;
  document.getElementById('app').hidden = false;
  translate();
  const tick = () => {
    $('#clock').textContent = new Date().toLocaleString(lang(), {
      hour12: false,
      dateStyle: 'medium',
      timeStyle: 'short',
    });
  };
  tick();
  setInterval(tick, 15_000);
  createMap($('#map'), { kiosk: true })
    .then((m) => {
      map = m;
      render();
    })
    .catch(() => {});
  refresh();
  setInterval(refresh, REFRESH_MS);
  // A screen that runs for weeks picks up a new version of the page every few hours.
  setTimeout(() => location.reload(), 6 * 3600_000);
}

if (kioskKey() && !session.token) {
  document.body.classList.add('kiosk');
  translate();
  start();
} else {
  boot(start);
}
