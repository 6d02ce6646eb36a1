import { boot, call, t, translate, languageSwitch, report, escape, session, toast, lang, connection } from './common.js';

const $ = (selector) => document.querySelector(selector);
const DIMENSIONS = ['Unit', 'Street', 'Scenario', 'Channel', 'Priority'];
let chart = null;

const pct = (v) => (v === undefined || v === null ? '—' : `${(v * 100).toFixed(1)}%`);
const hours = (s) => (s === undefined || s === null ? '—' : `${(s / 3600).toFixed(1)} h`);
const label = (zh, en) => (lang() === 'zh-CN' ? zh : en);

/** The figures shown on cards and in the table, with their names. */
const COLUMNS = [
  ['reported', '上报', 'Reported', (f) => f.reported ?? 0],
  ['filingRate', '立案率', 'Filing rate', (f) => pct(f.filingRate)],
  ['dispatchAccuracy', '派遣准确率', 'Dispatch accuracy', (f) => pct(f.dispatchAccuracy)],
  ['onTimeAcceptanceRate', '按时签收率', 'On-time acceptance', (f) => pct(f.onTimeAcceptanceRate)],
  ['onTimeHandlingRate', '按期处置率', 'On-time handling', (f) => pct(f.onTimeHandlingRate)],
  ['closed', '结案', 'Closed', (f) => f.closed ?? 0],
  ['closureRate', '结案率', 'Closure rate', (f) => pct(f.closureRate)],
  ['onTimeClosureRate', '按期结案率', 'On-time closure', (f) => pct(f.onTimeClosureRate)],
  ['reworkRate', '返工率', 'Rework rate', (f) => pct(f.reworkRate)],
  ['overdue', '逾期', 'Overdue', (f) => f.overdue ?? 0],
  ['falseAlarmRate', '设备误报率', 'False alarms', (f) => pct(f.falseAlarmRate)],
  ['secondsToCloseP50', '结案时长 p50', 'Time to close p50', (f) => hours(f.secondsToCloseP50)],
  ['score', '综合得分', 'Score', (f) => (f.score === undefined ? '—' : f.score.toFixed(1))],
];

function query() {
  const p = new URLSearchParams();
  if ($('#from').value) p.set('from', $('#from').value);
  if ($('#to').value) p.set('to', $('#to').value);
  return p;
}

async function load() {
  $('#progress').textContent = t('loading');
  $('#refresh').disabled = true;
  try {
    const by = $('#by').value;
    const q = query();
    const byQuery = new URLSearchParams(q); byQuery.set('by', by);
    const [figures, ranking, trend] = await Promise.all([
      call('GET', `/api/v1/audit/figures?${byQuery}`), call('GET', `/api/v1/audit/ranking?${q}`), call('GET', `/api/v1/audit/trend?${q}`),
    ]);
    $('#from').value = figures.from; $('#to').value = figures.to;
    const total = figures.total ?? {};
    $('#cards').innerHTML = COLUMNS.map(([key, zh, en, value]) => `<div class="card" data-figure="${key}">${escape(label(zh, en))}<b>${value(total)}</b></div>`).join('');
    $('#groups').innerHTML = `<tr><th>${escape(t(`by.${by}`))}</th><th></th>${COLUMNS.map(([, zh, en]) => `<th>${escape(label(zh, en))}</th>`).join('')}</tr>`
      + (figures.groups ?? []).map((g) => `<tr><td>${escape(g.key)}</td><td>${escape(g.name)}</td>${COLUMNS.map(([, , , value]) => `<td>${value(g.figures ?? {})}</td>`).join('')}</tr>`).join('');
    $('#ranking').innerHTML = `<tr><th>#</th><th></th><th>${t('score')}</th><th>${t('grade')}</th><th>${label('上报', 'Reported')}</th><th>${label('按期处置率', 'On-time handling')}</th><th>${label('结案率', 'Closure rate')}</th></tr>`
      + (ranking.units ?? []).map((u) => `<tr><td>${u.rank}</td><td>${escape(u.name)}</td><td>${(u.score ?? 0).toFixed(1)}</td>
        <td><span class="grade ${u.grade}">${{ Green: label('绿', 'green'), Yellow: label('黄', 'yellow'), Red: label('红', 'red') }[u.grade]}</span></td>
        <td>${u.figures?.reported ?? 0}</td><td>${pct(u.figures?.onTimeHandlingRate)}</td><td>${pct(u.figures?.closureRate)}</td></tr>`).join('');
    drawTrend(trend.days ?? []);
    $('#progress').textContent = '';
  } catch (error) {
    $('#progress').textContent = '';
    report(error);
  } finally {
    $('#refresh').disabled = false;
  }
}

function drawTrend(days) {
  chart ??= echarts.init($('#trend'), 'dark');
  const series = (name, pick) => ({ name, type: 'line', smooth: true, data: days.map(pick) });
  chart.setOption({
    backgroundColor: 'transparent',
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    xAxis: { type: 'category', data: days.map((d) => d.day.slice(5)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      series(label('上报', 'Reported'), (d) => d.reported ?? 0),
      series(label('结案', 'Closed'), (d) => d.closed ?? 0),
      series(label('按期结案', 'Closed on time'), (d) => d.closedOnTime ?? 0),
      series(label('逾期', 'Overdue'), (d) => d.overdue ?? 0),
    ],
  }, true);
}

/** Downloads the CSV with the token (a plain link could not carry it). */
async function exportCsv() {
  $('#progress').textContent = t('loading');
  try {
    const q = query(); q.set('by', $('#by').value);
    const response = await fetch(`/api/v1/audit/figures.csv?${q}`, { headers: { authorization: `Bearer ${session.token}` } });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
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
  $('#who').textContent = `${user.name} (${user.role})`;
  const fill = () => { $('#by').innerHTML = DIMENSIONS.map((d) => `<option value="${d}">${t(`by.${d}`)}</option>`).join(''); };
  fill();
  languageSwitch(() => { const by = $('#by').value; fill(); $('#by').value = by; translate(); load(); });
  $('#period').onsubmit = (event) => { event.preventDefault(); load(); };
  $('#by').onchange = load;
  $('#export').onclick = exportCsv;
  window.addEventListener('resize', () => chart?.resize());
  await load();
});
