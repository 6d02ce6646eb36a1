import { boot, call, t, translate, languageSwitch, named, watch, toast, report, escape, countdown, stateName, id, lang, session } from './common.js';

const STATES = ['Reported', 'Filed', 'Dispatched', 'Returned', 'Accepted', 'InProgress', 'UnderReview', 'Closed', 'Dismissed', 'Merged'];
let reference = null;
let rows = new Map();
let selected = null;
let user = null;
let chart = null;
let streetsGeo = null;

const $ = (selector) => document.querySelector(selector);
const typeOf = (code) => reference?.scenarios.flatMap((s) => s.types).find((x) => x.code === code);
const streetOf = (code) => reference?.streets.find((s) => s.code === code);
const unitOf = (code) => reference?.units.find((u) => u.code === code);
const may = (permission) => user?.permissions?.includes(permission);

function filter() {
  const value = (sel) => $(sel).value;
  return {
    states: value('#f-state') ? [value('#f-state')] : [],
    scenarios: value('#f-scenario') ? [value('#f-scenario')] : [],
    streets: value('#f-street') ? [value('#f-street')] : [],
    priorities: value('#f-priority') ? [value('#f-priority')] : [],
    overdueOnly: $('#f-overdue').checked,
  };
}

function fillFilters() {
  const options = (sel, all, items) => {
    const current = $(sel).value;
    $(sel).innerHTML = `<option value="">${t(all)}</option>` + items.map(([v, label]) => `<option value="${v}">${escape(label)}</option>`).join('');
    $(sel).value = current;
  };
  options('#f-state', 'all.states', STATES.map((s) => [s, stateName(s)]));
  options('#f-scenario', 'all.scenarios', reference.scenarios.map((s) => [s.id, named(s)]));
  options('#f-street', 'all.streets', reference.streets.map((s) => [s.code, named(s)]));
  options('#f-priority', 'all.priorities', ['P1', 'P2', 'P3', 'P4'].map((p) => [p, p]));
}

async function load() {
  $('#total').textContent = t('loading');
  try {
    const page = await call('POST', '/api/v1/incidents:list', { filter: { ...filter(), query: $('#q').value }, pageSize: 200 });
    rows = new Map((page.items ?? []).map((i) => [i.number, i]));
    $('#total').textContent = `${page.total ?? 0}`;
    render();
  } catch (error) {
    report(error);
  }
}

function render() {
  const list = [...rows.values()].sort((a, b) => (b.reportedAt ?? '').localeCompare(a.reportedAt ?? ''));
  $('#queue').innerHTML = list.map((i) => `
    <div class="row ${i.escalation >= 2 ? 'escalated' : ''} ${i.fresh ? 'fresh' : ''} ${i.number === selected ? 'selected' : ''}" data-number="${i.number}" data-state="${i.state}">
      <span class="badge ${i.priority}">${i.priority}</span>
      <span>${escape(named(typeOf(i.type)) || i.type)} · ${escape(named(streetOf(i.street)))}</span>
      <span>${escape(stateName(i.state))}</span>
      <span class="muted">${i.number.slice(-6)}</span>
      <span class="muted">${escape(i.description ?? '')}</span>
      <span class="${i.escalation >= 2 ? 'overdue' : 'muted'}" data-due="${i.dueAt ?? ''}">${countdown(i.dueAt)}</span>
    </div>`).join('');
  for (const row of $('#queue').children) row.onclick = () => open(row.dataset.number);
  drawMap(list);
}

function matches(i) {
  const f = filter();
  return (!f.states.length || f.states.includes(i.state)) && (!f.scenarios.length || f.scenarios.includes(i.scenario))
    && (!f.streets.length || f.streets.includes(i.street)) && (!f.priorities.length || f.priorities.includes(i.priority))
    && (!f.overdueOnly || i.escalation >= 2) && !$('#q').value;
}

function onChange(change) {
  const incident = change.incident;
  if (!incident) return;
  if (matches(incident)) {
    incident.fresh = !rows.has(incident.number);
    rows.set(incident.number, incident);
  } else {
    rows.delete(incident.number);
  }
  render();
  if (incident.number === selected) open(selected, true);
}

async function drawMapBase() {
  streetsGeo = await (await fetch('/data/streets.geojson')).json();
  echarts.registerMap('district', streetsGeo);
  chart = echarts.init($('#map'), 'dark');
  window.addEventListener('resize', () => chart.resize());
}

function drawMap(list) {
  if (!chart) return;
  const heat = $('#heat').checked;
  const points = list.filter((i) => i.location).map((i) => ({ name: i.number, value: [i.location.lon, i.location.lat, 1], priority: i.priority }));
  const colors = { P1: '#ff4d4f', P2: '#fa8c16', P3: '#fadb14', P4: '#52c41a' };
  chart.setOption({
    backgroundColor: 'transparent',
    geo: {
      map: 'district', roam: true, nameProperty: 'code',
      label: { show: true, color: '#cfd8e3', formatter: (p) => named(streetOf(p.name)) },
      itemStyle: { areaColor: '#1b2f4a', borderColor: '#4a6a91' },
      emphasis: { itemStyle: { areaColor: '#24406a' }, label: { color: '#fff' } },
    },
    visualMap: heat ? { show: false, min: 0, max: 5, inRange: { color: ['#2c7bb6', '#ffffbf', '#d7191c'] } } : undefined,
    series: heat
      ? [{ type: 'heatmap', coordinateSystem: 'geo', pointSize: 18, blurSize: 24,
          data: list.filter((i) => i.scenario === 'fire' && i.location).map((i) => [i.location.lon, i.location.lat, 1]) }]
      : [{ type: 'scatter', coordinateSystem: 'geo', symbolSize: 9, data: points,
          itemStyle: { color: (p) => colors[p.data.priority] } }],
  }, { replaceMerge: ['series', 'visualMap'] });
  chart.off('click');
  chart.on('click', (p) => p.data?.name && open(p.data.name));
}

async function open(number, quiet = false) {
  selected = number;
  for (const row of $('#queue').children) row.classList.toggle('selected', row.dataset.number === number);
  try {
    const detail = await call('GET', `/api/v1/incidents/${encodeURIComponent(number)}`);
    if (selected === number) showDetail(detail); // a slower answer for an earlier click must not replace it
  } catch (error) {
    if (!quiet) report(error);
  }
}

function showDetail(d) {
  const s = d.summary;
  const a = (name, label, permission, states) => (may(permission) && states.includes(s.state) ? `<button data-action="${name}">${t(label)}</button>` : '');
  const deferral = s.deferred ? a('resume', 'resume', 'ApproveDeadlines', STATES) : a('defer', 'defer', 'ApproveDeadlines', ['Filed', 'Dispatched', 'Returned', 'Accepted', 'InProgress']);
  $('#detail').innerHTML = `
    <h2><span class="badge ${s.priority}">${s.priority}</span> ${escape(named(typeOf(s.type)) || s.type)}</h2>
    <dl class="facts">
      <dt>No.</dt><dd id="d-number">${s.number}</dd>
      <dt>${lang() === 'zh-CN' ? '状态' : 'State'}</dt><dd id="d-state">${escape(stateName(s.state))}${s.deferred ? ' · 挂账' : ''}</dd>
      <dt>${lang() === 'zh-CN' ? '街镇' : 'Street'}</dt><dd>${escape(named(streetOf(s.street)))}</dd>
      <dt>${t('lead.unit')}</dt><dd>${escape(named(unitOf(s.leadUnit)) || '—')} ${(s.coUnits ?? []).map((u) => escape(named(unitOf(u)))).join('、')}</dd>
      <dt>${t('worker')}</dt><dd>${escape((s.workers ?? []).join('、') || '—')}</dd>
      <dt>${t('due')}</dt><dd class="${s.escalation >= 2 ? 'overdue' : ''}">${countdown(s.dueAt) || '—'}</dd>
      <dt>${lang() === 'zh-CN' ? '描述' : 'Description'}</dt><dd>${escape(d.description)}</dd>
      ${d.reporter ? `<dt>${lang() === 'zh-CN' ? '上报人' : 'Reporter'}</dt><dd>${escape(d.reporter.name)} ${escape(d.reporter.phone ?? '')}</dd>` : ''}
    </dl>
    <div class="actions">
      ${a('file', 'file', 'Triage', ['Reported'])}${a('dismiss', 'dismiss', 'Triage', ['Reported'])}${a('merge', 'merge', 'Triage', ['Reported', 'Filed'])}
      ${a('dispatch', 'dispatch', 'Dispatch', ['Filed', 'Returned'])}${a('extend', 'extend', 'ApproveDeadlines', ['Reported', 'Filed', 'Dispatched', 'Returned', 'Accepted', 'InProgress', 'UnderReview'])}${deferral}
      ${a('approve', 'approve', 'Review', ['UnderReview'])}${a('rework', 'rework', 'Review', ['UnderReview'])}
      ${a('reopen', 'reopen', 'Triage', ['Closed', 'Dismissed'])}${a('note', 'note', 'Note', STATES)}
    </div>
    <h3>${t('alerts')}</h3>
    ${(d.alerts ?? []).map(alertView).join('') || `<p class="muted">${t('none')}</p>`}
    ${(d.evidence ?? []).map((e) => `<div class="evidence"><img alt="evidence" data-evidence="${e}"></div>`).join('')}
    <h3>${t('timeline')}</h3>
    <ol class="timeline">${(d.timeline ?? []).map((e) => `<li><span class="muted">${new Date(e.at).toLocaleString(lang())}</span> <b>${e.kind}</b> ${escape(e.actor)} ${escape(e.reason ?? '')}</li>`).join('')}</ol>`;
  for (const button of $('#detail').querySelectorAll('[data-action]')) button.onclick = () => act(button.dataset.action, d);
  for (const img of $('#detail').querySelectorAll('img[data-evidence]')) loadEvidence(img);
}

function alertView(alert) {
  const d = alert.detection;
  const boxes = (d?.boxes ?? []).map((b) => `<div class="box" style="left:${b.x * 100}%;top:${b.y * 100}%;width:${b.width * 100}%;height:${b.height * 100}%"><span>${escape(b.label ?? '')} ${Math.round((d.confidence ?? 0) * 100)}%</span></div>`).join('');
  const image = d?.imageRef && /^\/(?!\/)/.test(d.imageRef) ? `<img src="${escape(d.imageRef)}" alt="frame">` : '';
  return `<div class="muted">${escape(alert.deviceId)} · ${escape(alert.disposition)} · ${new Date(alert.observedAt).toLocaleTimeString(lang())}
    ${d ? ` · ${escape(d.model)} ${escape(d.modelVersion)} · ${Math.round(d.confidence * 100)}%` : ''}</div>
    ${d ? `<div class="evidence" title="${escape(d.imageRef ?? '')}">${image}${boxes}</div>` : ''}`;
}

async function loadEvidence(img) {
  const response = await fetch(`/api/v1/evidence/${img.dataset.evidence}`, { headers: { authorization: `Bearer ${session.token}` } });
  if (response.ok) img.src = URL.createObjectURL(await response.blob());
}

/** Opens a small form for the action's fields; resolves with them, or null when cancelled. */
function ask(title, fields) {
  const dialog = $('#dialog');
  const form = $('#dialog-form');
  form.innerHTML = `<h3>${escape(title)}</h3>${fields.map((f) => `<label>${escape(f.label)}<br>${f.html}</label>`).join('')}
    <div class="actions"><button value="ok" id="dialog-ok">${t('confirm')}</button><button value="cancel" class="secondary" formnovalidate>${t('cancel')}</button></div>`;
  return new Promise((resolve) => {
    dialog.onclose = () => resolve(dialog.returnValue === 'ok' ? Object.fromEntries(new FormData(form)) : null);
    dialog.returnValue = ''; // Esc closes without setting it: an earlier OK must not count
    dialog.showModal();
  });
}

const text = (name, required = true) => `<input name="${name}" ${required ? 'required' : ''}>`;

async function act(action, d) {
  const n = d.summary.number;
  const path = (verb) => `/api/v1/incidents/${encodeURIComponent(n)}:${verb}`;
  try {
    let input;
    switch (action) {
      case 'file': await call('POST', path('file'), { commandId: id() }); break;
      case 'dismiss':
        input = await ask(t('dismiss'), [
          { label: t('ground'), html: '<select name="ground"><option value="FalseAlarm">误报 False alarm</option><option value="Duplicate">重复 Duplicate</option><option value="OutOfScope">非职责范围 Out of scope</option></select>' },
          { label: t('reason'), html: text('reason') }]);
        if (input) await call('POST', path('dismiss'), { commandId: id(), ...input });
        break;
      case 'merge':
        input = await ask(t('merge'), [{ label: t('into'), html: text('into') }, { label: t('reason'), html: text('reason') }]);
        if (input) await call('POST', path('merge'), { commandId: id(), ...input });
        break;
      case 'dispatch': {
        const rec = await call('GET', `/api/v1/incidents/${encodeURIComponent(n)}/recommendation`);
        const units = reference.units.map((u) => `<option value="${u.code}" ${u.code === rec.leadUnit ? 'selected' : ''}>${escape(named(u))}${u.code === rec.leadUnit ? ` (${t('recommended')})` : ''}</option>`).join('');
        const workers = (rec.workers ?? []).map((w, i) => `<option value="${w.userId}" ${i === 0 ? 'selected' : ''}>${escape(w.name)} · ${w.openTasks ?? 0} · ${w.distanceM >= 0 ? Math.round(w.distanceM) + ' m' : ''}${i === 0 ? ` (${t('recommended')})` : ''}</option>`).join('');
        input = await ask(t('dispatch'), [
          { label: t('lead.unit'), html: `<select name="leadUnit" id="dispatch-unit">${units}</select>` },
          { label: t('co.units'), html: `<input name="coUnits" value="${(rec.coUnits ?? []).join(',')}">` },
          { label: t('worker'), html: `<select name="worker" id="dispatch-worker"><option value="">—</option>${workers}</select>` }]);
        if (input) {
          await call('POST', path('dispatch'), {
            commandId: id(), leadUnit: input.leadUnit, worker: input.leadUnit === rec.leadUnit ? input.worker : '',
            coUnits: input.coUnits.split(',').map((u) => u.trim()).filter(Boolean),
          });
        }
        break;
      }
      case 'extend':
        input = await ask(t('extend'), [{ label: t('extra'), html: text('extra') }, { label: t('reason'), html: text('reason') }]);
        if (input) await call('POST', path('extend'), { commandId: id(), ...input });
        break;
      case 'defer': case 'resume':
        input = await ask(t(action), [{ label: t('reason'), html: text('reason') }]);
        if (input) await call('POST', path('defer'), { commandId: id(), resume: action === 'resume', reason: input.reason });
        break;
      case 'approve':
        input = await ask(t('approve'), [{ label: t('rating'), html: '<input name="rating" type="number" min="1" max="5" value="5" required>' }, { label: t('comment'), html: text('comment', false) }]);
        if (input) await call('POST', path('review'), { commandId: id(), approve: true, rating: Number(input.rating), comment: input.comment });
        break;
      case 'rework':
        input = await ask(t('rework'), [{ label: t('reason'), html: text('comment') }]);
        if (input) await call('POST', path('review'), { commandId: id(), approve: false, comment: input.comment });
        break;
      case 'reopen':
        input = await ask(t('reopen'), [{ label: t('reason'), html: text('reason') }]);
        if (input) await call('POST', path('reopen'), { commandId: id(), reason: input.reason });
        break;
      case 'note':
        input = await ask(t('note'), [{ label: t('note'), html: text('text') }]);
        if (input) await call('POST', path('note'), { commandId: id(), text: input.text });
        break;
      default: return;
    }
    if (input !== null) toast(`${t(action)} ✓`);
    await open(n, true);
  } catch (error) {
    report(error);
  }
}

boot(async (signedIn) => {
  user = signedIn;
  $('#who').textContent = `${user.name} (${user.role})`;
  languageSwitch(() => { fillFilters(); render(); if (selected) open(selected, true); });
  try {
    reference = await call('GET', '/api/v1/reference');
    await drawMapBase();
  } catch (error) {
    report(error);
    return;
  }
  fillFilters();
  translate();
  for (const sel of ['#f-state', '#f-scenario', '#f-street', '#f-priority', '#f-overdue', '#heat']) $(sel).onchange = sel === '#heat' ? render : load;
  let typing;
  $('#q').oninput = () => { clearTimeout(typing); typing = setTimeout(load, 300); };
  await load();
  watch({}, onChange, load);
  setInterval(() => { for (const el of document.querySelectorAll('[data-due]')) el.textContent = countdown(el.dataset.due); }, 30000);
});
