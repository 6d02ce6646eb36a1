import {
  boot,
  call,
  t,
  tf,
  labelled,
  translate,
  languageSwitch,
  report,
  escape,
  session,
  toast,
  zh,
  connection,
  named,
  labelOf,
  userLine,
} from './common.js';
import { lineChart } from './chart.js';

const $ = (selector) => document.querySelector(selector);
const DIMENSIONS = ['Unit', 'Street', 'Scenario', 'Channel', 'Priority'];
// Below this many cases a unit is not graded; the server's reply says its own minimum.
const DEFAULT_MIN_SAMPLE = 10;
let reference = null;
let last = null;

const pct = (v) => (v === undefined || v === null ? '—' : `${(v * 100).toFixed(1)}%`);
const hours = (s) => (s === undefined || s === null ? '—' : `${(s / 3600).toFixed(1)}${zh() ? ' 小时' : ' h'}`);
const label = (zhText, en) => (zh() ? zhText : en);

/**
 * The figures shown on cards and in the tables: key, names, how to show it, its counts (numerator and denominator,
 * where the figures hold them) and whether it is a rate (compared in percentage points).
 */
const COLUMNS = [
  ['reported', '上报', 'Reported', (f) => f.reported ?? 0],
  [
    'filingRate',
    '立案率',
    'Filing rate',
    (f) => pct(f.filingRate),
    (f) => [f.filed ?? 0, (f.filed ?? 0) + (f.dismissed ?? 0)],
  ],
  [
    'dispatchAccuracy',
    '派遣准确率',
    'Dispatch accuracy',
    (f) => pct(f.dispatchAccuracy),
    (f) => [(f.dispatches ?? 0) - (f.returned ?? 0), f.dispatches ?? 0],
  ],
  [
    'onTimeAcceptanceRate',
    '按时签收率',
    'On-time acceptance',
    (f) => pct(f.onTimeAcceptanceRate),
    (f) => [f.onTimeAcceptance ?? 0, f.acceptanceMeasured ?? 0],
  ],
  [
    'onTimeHandlingRate',
    '按期处置率',
    'On-time handling',
    (f) => pct(f.onTimeHandlingRate),
    (f) => [f.onTimeHandling ?? 0, f.handlingMeasured ?? 0],
  ],
  ['closed', '结案', 'Closed', (f) => f.closed ?? 0],
  ['closureRate', '结案率', 'Closure rate', (f) => pct(f.closureRate), (f) => [f.closed ?? 0, f.filed ?? 0]],
  [
    'onTimeClosureRate',
    '按期结案率',
    'On-time closure',
    (f) => pct(f.onTimeClosureRate),
    (f) => [f.closedOnTime ?? 0, f.closed ?? 0],
  ],
  ['reworkRate', '返工率', 'Rework rate', (f) => pct(f.reworkRate), (f) => [f.reworked ?? 0, f.reviewed ?? 0]],
  ['overdue', '逾期', 'Overdue', (f) => f.overdue ?? 0],
  [
    'falseAlarmRate',
    '设备误报率',
    'False alarms',
    (f) => pct(f.falseAlarmRate),
    (f) => [f.falseAlarms ?? 0, f.deviceReported ?? 0],
  ],
  ['secondsToCloseP50', '结案时长中位数', 'Median time to close', (f) => hours(f.secondsToCloseP50)],
  ['score', '综合得分', 'Score', (f) => (f.score === undefined || f.score === null ? '—' : f.score.toFixed(1))],
];
const RATES = new Set([
  'filingRate',
  'dispatchAccuracy',
  'onTimeAcceptanceRate',
  'onTimeHandlingRate',
  'closureRate',
  'onTimeClosureRate',
  'reworkRate',
  'falseAlarmRate',
]);
// Where a rise is bad news (shown red rather than green).
const LOWER_IS_BETTER = new Set(['reworkRate', 'overdue', 'falseAlarmRate', 'secondsToCloseP50']);

/** "12 / 13" beside a rate, when its counts are known. */
const countsOf = (column, f) => {
  const counts = column[4]?.(f);
  if (!counts) return '';
  const [n, d] = Array.isArray(counts) ? counts : [counts.numerator, counts.denominator];
  return d === undefined ? '' : `${n} / ${d}`;
};

/** The change against the previous period: percentage points for rates, plain difference for counts. */
function change(key, now, before) {
  const a = now?.[key];
  const b = before?.[key];
  if (a === undefined || a === null || b === undefined || b === null) return '';
  const diff = RATES.has(key) ? (a - b) * 100 : a - b;
  if (Math.abs(diff) < 0.05) return `<small>${t('vs.previous')} ${label('持平', 'unchanged')}</small>`;
  const good = LOWER_IS_BETTER.has(key) ? diff < 0 : diff > 0;
  const amount =
    key === 'secondsToCloseP50'
      ? hours(Math.abs(diff))
      : RATES.has(key)
        ? `${Math.abs(diff).toFixed(1)}${label(' 个百分点', ' pts')}`
        : Number.isInteger(diff)
          ? String(Math.abs(diff))
          : Math.abs(diff).toFixed(1);
  return `<small class="change ${good ? 'up' : 'down'}">${t('vs.previous')} ${diff > 0 ? '+' : '−'}${amount}</small>`;
}

/** The district's target for a figure, when one is configured: "目标 90.0%". */
const target = (key, targets) =>
  targets[key] === undefined
    ? ''
    : `<small class="target">${label('目标', 'target')} ${RATES.has(key) ? pct(targets[key]) : targets[key]}</small>`;

/** Whether a figure misses its target (below it, or above it where lower is better). */
function missed(key, f, targets) {
  const value = f?.[key];
  if (targets[key] === undefined || value === undefined || value === null) return false;
  return LOWER_IS_BETTER.has(key) ? value > targets[key] : value < targets[key];
}

function period() {
  const p = new URLSearchParams();
  if ($('#from').value) p.set('from', $('#from').value);
  if ($('#to').value) p.set('to', $('#to').value);
  return p;
}

/** The period of the same length just before [from, to]. */
function previousPeriod(from, to) {
  const day = 86400000;
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  const length = Math.round((end - start) / day) + 1;
  const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
  return { from: iso(start - length * day), to: iso(start - day) };
}

/** The name of a group's key in the page's language, from the reference data or the labels. */
function groupName(by, key, fallback) {
  const find = { Unit: reference?.units, Street: reference?.streets, Scenario: reference?.scenarios }[by];
  const item = find?.find((x) => (x.code ?? x.id) === key);
  if (item) return named(item);
  if (by === 'Channel') return labelOf('channel', key);
  if (by === 'Priority') return labelOf('priority', key);
  return zh() ? fallback || key : key;
}

/** The console, filtered to a unit, street, scenario or priority and this period. */
function casesLink(by, key) {
  const param = { Unit: 'unit', Street: 'street', Scenario: 'scenario', Priority: 'priority' }[by];
  if (!param || !key) return '';
  const q = new URLSearchParams({ [param]: key, from: $('#from').value, to: $('#to').value });
  return `<a href="/console/?${q}">${t('cases.link')}</a>`;
}

async function load() {
  $('#progress').textContent = t('loading');
  $('#refresh').disabled = true;
  try {
    const by = $('#by').value;
    const q = period();
    const byQuery = new URLSearchParams(q);
    byQuery.set('by', by);
    const [figures, ranking, trend] = await Promise.all([
      call('GET', `/api/v1/audit/figures?${byQuery}`),
      call('GET', `/api/v1/audit/ranking?${q}`),
      call('GET', `/api/v1/audit/trend?${q}`),
    ]);
    const prev = previousPeriod(figures.from, figures.to);
    const prevQuery = new URLSearchParams({ ...prev, by });
    const [before, rankingBefore] = await Promise.all([
      call('GET', `/api/v1/audit/figures?${prevQuery}`),
      call('GET', `/api/v1/audit/ranking?${new URLSearchParams(prev)}`),
    ]);
    last = { by, figures, ranking, trend, before, rankingBefore, prev };
    render();
    $('#progress').textContent = '';
  } catch (error) {
    $('#progress').textContent = '';
    report(error);
  } finally {
    $('#refresh').disabled = false;
  }
}

function render() {
  if (!last) return;
  const { by, figures, ranking, trend, before, rankingBefore, prev } = last;
  $('#from').value = figures.from;
  $('#to').value = figures.to;
  $('#period-note').textContent = labelled('previous', `${prev.from} – ${prev.to}`);
  const total = figures.total ?? {};
  const totalBefore = before.total ?? {};
  const targets = figures.targets ?? {};
  $('#cards').innerHTML = COLUMNS.map(
    (c) =>
      `<div class="card ${missed(c[0], total, targets) ? 'missed' : ''}" data-figure="${c[0]}">` +
      `${escape(label(c[1], c[2]))}<b>${c[3](total)}</b>
    ${countsOf(c, total) ? `<small class="counts">${countsOf(c, total)}</small>` : ''}` +
      `${target(c[0], targets)}${change(c[0], total, totalBefore)}</div>`,
  ).join('');

  const beforeGroups = new Map((before.groups ?? []).map((g) => [g.key, g.figures ?? {}]));
  $('#groups').innerHTML =
    `<caption class="muted">${escape(t(`by.${by}`))}</caption>
    <tr><th scope="col" class="text">${t('name')}</th>` +
    COLUMNS.map((c) => `<th scope="col">${escape(label(c[1], c[2]))}</th>`).join('') +
    `<th scope="col" class="text"></th></tr>` +
    (figures.groups ?? [])
      .map((g) => {
        const f = g.figures ?? {};
        const cell = (c) =>
          `<td>${c[3](f)}${countsOf(c, f) ? `<small>${countsOf(c, f)}</small>` : ''}` +
          `${change(c[0], f, beforeGroups.get(g.key))}</td>`;
        const name = escape(groupName(by, g.key, g.name));
        return `<tr data-key="${escape(g.key)}"><th scope="row" class="text">${name}</th>
        ${COLUMNS.map(cell).join('')}
        <td class="text">${casesLink(by, g.key)}</td></tr>`;
      })
      .join('');

  const minimum = ranking.minimumSample ?? DEFAULT_MIN_SAMPLE;
  $('#sample-note').textContent = tf('min.sample', { n: minimum });
  const scoreBefore = new Map((rankingBefore.units ?? []).map((u) => [u.unit, u.score]));
  const graded = (ranking.units ?? []).filter((u) => !u.insufficient && (u.figures?.reported ?? 0) >= minimum);
  const few = (ranking.units ?? []).filter((u) => !graded.includes(u));
  const rowOf = (u, rank) => {
    const f = { ...(u.figures ?? {}), score: u.score };
    const enough = rank !== null;
    const grade = enough
      ? `<span class="grade ${escape(u.grade)}">${escape(labelOf('grade', u.grade))}</span>`
      : `<span class="grade Few">${t('too.few')}</span>`;
    const onTimeCounts = countsOf(COLUMNS[4], u.figures ?? {});
    return `<tr data-unit="${escape(u.unit)}"><td>${enough ? rank : '—'}</td>
      <th scope="row" class="text">${escape(groupName('Unit', u.unit, u.name))}</th>
      <td>${enough ? `${(u.score ?? 0).toFixed(1)}${change('score', f, { score: scoreBefore.get(u.unit) })}` : '—'}</td>
      <td>${grade}</td>
      <td>${u.figures?.reported ?? 0}</td>
      <td>${pct(u.figures?.onTimeHandlingRate)}${onTimeCounts ? `<small>${onTimeCounts}</small>` : ''}</td>
      <td>${pct(u.figures?.closureRate)}<small>${countsOf(COLUMNS[6], u.figures ?? {})}</small></td>
      <td class="text">${casesLink('Unit', u.unit)}</td></tr>`;
  };
  $('#ranking').innerHTML =
    `<tr><th scope="col">${t('rank')}</th><th scope="col" class="text">${t('unit')}</th>` +
    `<th scope="col">${t('score')}</th>
    <th scope="col">${t('grade')}</th><th scope="col">${label('上报', 'Reported')}</th>` +
    `<th scope="col">${label('按期处置率', 'On-time handling')}</th>
    <th scope="col">${label('结案率', 'Closure rate')}</th><th scope="col" class="text"></th></tr>` +
    graded.map((u, k) => rowOf(u, u.rank || k + 1)).join('') +
    few.map((u) => rowOf(u, null)).join('');

  const days = trend.days ?? [];
  const series = [
    { name: label('上报', 'Reported'), values: days.map((d) => d.reported ?? 0) },
    { name: label('结案', 'Closed'), values: days.map((d) => d.closed ?? 0) },
    { name: label('按期结案', 'Closed on time'), values: days.map((d) => d.closedOnTime ?? 0) },
    { name: label('逾期', 'Overdue'), values: days.map((d) => d.overdue ?? 0) },
  ];
  lineChart(
    $('#trend'),
    days.map((d) => d.day.slice(5)),
    series,
    { title: t('trend') },
  );
  $('#trend-table').innerHTML =
    `<tr><th scope="col" class="text">${t('day')}</th>` +
    series.map((s) => `<th scope="col">${escape(s.name)}</th>`).join('') +
    '</tr>' +
    days
      .map(
        (d, i) =>
          `<tr><th scope="row" class="text">${escape(d.day)}</th>` +
          series.map((s) => `<td>${s.values[i]}</td>`).join('') +
          '</tr>',
      )
      .join('');
}

/** Downloads the CSV with the token (a plain link could not carry it). */
async function exportCsv() {
  $('#progress').textContent = t('loading');
  try {
    const q = period();
    q.set('by', $('#by').value);
    const response = await fetch(`/api/v1/audit/figures.csv?${q}`, {
      headers: { authorization: `Bearer ${session.token}` },
    });
    if (!response.ok) throw new Error(String(response.status));
    const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'figures.csv';
    const link = document.createElement('a');
    link.href = URL.createObjectURL(await response.blob());
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    toast(name);
  } catch (error) {
    report(error);
  } finally {
    $('#progress').textContent = '';
  }
}

boot(async (user) => {
  connection('ok');
  $('#who').textContent = userLine(user);
  const fill = () => {
    const by = $('#by').value || 'Unit';
    $('#by').innerHTML = DIMENSIONS.map((d) => `<option value="${d}">${t(`by.${d}`)}</option>`).join('');
    $('#by').value = by;
  };
  fill();
  translate();
  languageSwitch(() => {
    $('#who').textContent = userLine(user);
    fill();
    translate();
    render();
  });
  $('#period').addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  $('#by').addEventListener('change', load);
  $('#export').addEventListener('click', exportCsv);
  let resizing;
  window.addEventListener('resize', () => {
    clearTimeout(resizing);
    resizing = setTimeout(render, 200);
  });
  reference = await call('GET', '/api/v1/reference').catch(() => null);
  await load();
});
