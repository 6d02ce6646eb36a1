import {
  boot, call, t, translate, languageSwitch, named, watch, toast, report, escape, countdown, stateName, id, zh, labelOf,
  badge, when, userLine, duration, distance, labelled,
} from './common.js';
import { createMap } from './map.js';

const STATES = ['Reported', 'Filed', 'Dispatched', 'Returned', 'Accepted', 'InProgress', 'UnderReview', 'Closed', 'Dismissed', 'Merged'];
const OPEN = ['Reported', 'Filed', 'Dispatched', 'Returned', 'Accepted', 'InProgress', 'Handled', 'UnderReview'];
// The queue holds at most this many rows, and remembers at most this many unseen arrivals, however long it stays open.
const MAX_ROWS = 200;
// One key, one action on the open incident (when its button is there, that is when the role and state allow it).
const KEYS = { f: 'file', x: 'dismiss', m: 'merge', d: 'dispatch', e: 'extend', a: 'approve', w: 'rework', t: 'note' };

let reference = null;
let user = null;
let map = null;
let rows = new Map();
let arrivals = new Map();
let selected = null;
let detail = null;
let loadSeq = 0;

const $ = (selector) => document.querySelector(selector);
const typeOf = (code) => reference?.scenarios.flatMap((s) => s.types).find((x) => x.code === code);
const streetOf = (code) => reference?.streets.find((s) => s.code === code);
const unitOf = (code) => reference?.units.find((u) => u.code === code);
const unitName = (code) => named(unitOf(code)) || labelOf('unit', code);
const typeName = (i) => named(typeOf(i.type)) || (zh() ? i.typeZh : i.typeEn) || '—';
const may = (permission) => user?.permissions?.includes(permission);

/** The filters and the open case live in the URL, so a link (or a reload) shows the same queue. */
const PARAMS = { q: '#q', state: '#f-state', scenario: '#f-scenario', street: '#f-street', priority: '#f-priority', unit: '#f-unit' };
function fromUrl() {
  const url = new URLSearchParams(location.search);
  for (const [name, sel] of Object.entries(PARAMS)) if (url.has(name)) $(sel).value = url.get(name);
  $('#f-overdue').checked = url.get('overdue') === '1';
  selected = url.get('case');
}
function toUrl() {
  const url = new URLSearchParams(location.search);
  for (const [name, sel] of Object.entries(PARAMS)) if ($(sel).value) url.set(name, $(sel).value); else url.delete(name);
  if ($('#f-overdue').checked) url.set('overdue', '1'); else url.delete('overdue');
  if (selected) url.set('case', selected); else url.delete('case');
  history.replaceState(null, '', `${location.pathname}${url.size ? `?${url}` : ''}`);
}

/** A day of the district (yyyy-MM-dd, China Standard Time) as the instant it starts. */
const dayStart = (day, plus = 0) => new Date(Date.parse(`${day}T00:00:00+08:00`) + plus * 86400000).toISOString();

function filter() {
  const value = (sel) => $(sel).value;
  const url = new URLSearchParams(location.search);
  return {
    states: value('#f-state') ? [value('#f-state')] : [],
    scenarios: value('#f-scenario') ? [value('#f-scenario')] : [],
    streets: value('#f-street') ? [value('#f-street')] : [],
    priorities: value('#f-priority') ? [value('#f-priority')] : [],
    units: value('#f-unit') ? [value('#f-unit')] : [],
    overdueOnly: $('#f-overdue').checked,
    ...(url.get('from') ? { reportedFrom: dayStart(url.get('from')) } : {}),
    ...(url.get('to') ? { reportedTo: dayStart(url.get('to'), 1) } : {}),
  };
}

function fillFilters() {
  const options = (sel, all, items) => {
    const current = $(sel).value;
    $(sel).innerHTML = `<option value="">${t(all)}</option>${items.map(([v, label]) => `<option value="${escape(v)}">${escape(label)}</option>`).join('')}`;
    $(sel).value = current;
  };
  options('#f-state', 'all.states', STATES.map((s) => [s, stateName(s, reference)]));
  options('#f-scenario', 'all.scenarios', reference.scenarios.map((s) => [s.id, named(s)]));
  options('#f-street', 'all.streets', reference.streets.map((s) => [s.code, named(s)]));
  options('#f-priority', 'all.priorities', ['P1', 'P2', 'P3', 'P4'].map((p) => [p, labelOf('priority', p, reference)]));
  options('#f-unit', 'all.units', reference.units.map((u) => [u.code, named(u)]));
  const heat = $('#heat').value;
  $('#heat').innerHTML = `<option value="">${t('heat.off')}</option>${reference.scenarios.map((s) => `<optgroup label="${escape(named(s))}">
    <option value="scenario:${escape(s.id)}">${escape(named(s))}</option>
    ${s.types.map((x) => `<option value="type:${escape(s.id)}:${escape(x.code)}">${escape(named(x))}</option>`).join('')}</optgroup>`).join('')}`;
  $('#heat').value = heat;
  const period = $('#heat-period').value || 'open';
  $('#heat-period').innerHTML = ['open', '1d', '7d', '30d'].map((p) => `<option value="${p}">${t(`period.${p}`)}</option>`).join('');
  $('#heat-period').value = period;
}

async function load() {
  const seq = ++loadSeq;
  $('#total').textContent = t('loading');
  toUrl();
  try {
    const page = await call('POST', '/api/v1/incidents:list', { filter: { ...filter(), query: $('#q').value }, pageSize: MAX_ROWS });
    if (seq !== loadSeq) return; // an earlier filter's answer arriving late must not replace the newer one
    rows = new Map((page.items ?? []).map((i) => [i.number, i]));
    arrivals = new Map();
    showTotal(page.total ?? 0);
    renderQueue(true);
  } catch (error) {
    report(error);
  }
}

let total = 0;
function showTotal(count = total) {
  total = count;
  $('#total').textContent = total === 0 ? t('no.match') : zh() ? `${t('count.of')} ${total} ${t('cases')}` : `${total} ${t('cases')}`;
  const button = $('#arrivals');
  button.hidden = arrivals.size === 0;
  button.textContent = `${arrivals.size} ${t('new.arrivals')}`;
}

function rowHtml(i) {
  const level = Math.min(3, i.escalation ?? 0);
  return `${badge(i.priority, reference)}
    <span class="what">${escape(typeName(i))} · ${escape(named(streetOf(i.street)))}</span>
    <span class="state">${escape(stateName(i.state, reference))}</span>
    <span class="num muted">${escape(i.number.slice(-6))}</span>
    <span class="desc muted">${escape(i.description ?? '')}</span>
    <span class="due level-${level}" data-due="${escape(i.dueAt ?? '')}">${countdown(i.dueAt)}</span>`;
}

/** Updates the rows in place: a row keeps its element, so nothing under the pointer jumps. */
function renderQueue(reorder = false) {
  const list = $('#queue');
  const existing = new Map([...list.children].map((li) => [li.dataset.number, li]));
  for (const [number, li] of existing) if (!rows.has(number)) li.remove();
  let previous = null;
  for (const i of rows.values()) {
    let li = existing.get(i.number);
    if (!li) {
      li = document.createElement('li');
      li.className = 'row';
      li.setAttribute('role', 'option');
      li.tabIndex = -1;
      li.dataset.number = i.number;
      li.id = `row-${i.number}`;
      if (!reorder) li.classList.add('fresh');
    }
    if (li.dataset.version !== String(i.version) || reorder) {
      li.innerHTML = rowHtml(i);
      li.dataset.version = String(i.version);
      li.dataset.state = i.state;
      li.classList.toggle('escalated', (i.escalation ?? 0) >= 2);
    }
    li.setAttribute('aria-selected', String(i.number === selected));
    if (reorder || !li.isConnected) {
      if (previous) previous.after(li); else list.prepend(li);
    }
    previous = li;
  }
  const active = list.querySelector('[aria-selected=true]') ?? list.firstElementChild;
  for (const li of list.children) li.tabIndex = li === active ? 0 : -1;
  list.tabIndex = list.children.length ? -1 : 0;
  map?.setIncidents([...rows.values()]);
}

function matches(i) {
  const f = filter();
  const reported = Date.parse(i.reportedAt ?? '');
  return (!f.states.length || f.states.includes(i.state)) && (!f.scenarios.length || f.scenarios.includes(i.scenario))
    && (!f.streets.length || f.streets.includes(i.street)) && (!f.priorities.length || f.priorities.includes(i.priority))
    && (!f.units.length || f.units.includes(i.leadUnit) || (i.coUnits ?? []).some((u) => f.units.includes(u)))
    && (!f.overdueOnly || i.escalation >= 2) && !$('#q').value
    && (!f.reportedFrom || reported >= Date.parse(f.reportedFrom)) && (!f.reportedTo || reported < Date.parse(f.reportedTo));
}

/** Whether the dispatcher is working in the queue now: then new rows wait behind the announcement. */
const busy = () => $('#queue').matches(':hover') || $('#queue').contains(document.activeElement);

function onChange(change) {
  const incident = change.incident;
  if (!incident) return;
  const known = rows.has(incident.number);
  if (!matches(incident)) {
    if (known && incident.number !== selected) rows.delete(incident.number);
    arrivals.delete(incident.number);
  } else if (known) {
    if (Number(rows.get(incident.number).version ?? 0) <= Number(incident.version ?? 0)) rows.set(incident.number, incident);
  } else if (busy() || arrivals.size > 0) {
    arrivals.delete(incident.number);
    arrivals.set(incident.number, incident);
    if (arrivals.size > MAX_ROWS) arrivals.delete(arrivals.keys().next().value);
  } else {
    rows = new Map([[incident.number, incident], ...rows]);
    total += 1;
    trim();
  }
  showTotal();
  renderQueue();
  if (incident.number === selected) open(selected, true);
}

/** Keeps the queue bounded: the oldest rows go, never the open one. */
function trim() {
  for (const number of [...rows.keys()].reverse()) {
    if (rows.size <= MAX_ROWS) break;
    if (number !== selected) rows.delete(number);
  }
}

function showArrivals() {
  if (arrivals.size === 0) return;
  rows = new Map([...[...arrivals].reverse(), ...rows]);
  total += arrivals.size;
  arrivals = new Map();
  trim();
  renderQueue(true);
  showTotal();
  $('#queue').firstElementChild?.focus();
}

async function open(number, quiet = false) {
  selected = number;
  toUrl();
  for (const li of $('#queue').children) {
    li.setAttribute('aria-selected', String(li.dataset.number === number));
    li.tabIndex = li.dataset.number === number ? 0 : -1;
  }
  try {
    const d = await call('GET', `/api/v1/incidents/${encodeURIComponent(number)}`);
    if (selected !== number) return; // a slower answer for an earlier choice must not replace it
    detail = d;
    showDetail(d);
    map?.select(d.summary);
  } catch (error) {
    if (!quiet) report(error);
  }
}

/** The parts of an event worth reading, from its own JSON (the event log's fields, not its text). */
function eventWords(e) {
  let details = {};
  try { details = JSON.parse(e.detailsJson || '{}'); } catch { /* an event without details */ }
  const parts = [];
  const unit = (code) => (code ? unitName(code) : '');
  switch (e.kind) {
    case 'dispatched':
      parts.push(labelled('lead.unit', unit(details.leadUnit)));
      if (details.coUnits?.length) parts.push(labelled('co.units', details.coUnits.map(unit).join(zh() ? '、' : ', ')));
      if (details.worker) parts.push(labelled('worker', details.workerName ?? details.worker));
      break;
    case 'accepted': case 'returned': case 'arrived': parts.push(unit(details.unit)); break;
    case 'resultSubmitted': parts.push(unit(details.unit)); if (details.note) parts.push(`“${details.note}”`); break;
    case 'closed': if (details.evaluation) parts.push(labelled('rating', `${details.evaluation.rating}${details.evaluation.comment ? ` · “${details.evaluation.comment}”` : ''}`)); break;
    case 'noteAdded': parts.push(`“${details.text ?? ''}”`); break;
    case 'merged': parts.push(details.into ?? ''); break;
    case 'absorbed': parts.push(details.from ?? ''); break;
    case 'dismissed': parts.push(labelOf('ground', details.ground)); break;
    case 'escalated': parts.push(`${labelOf('stage', details.stage)} · ${labelOf('escalation', { Warned: 1, Overdue: 2, ListedForSupervision: 3 }[details.level] ?? 0)}`); break;
    case 'deadlineExtended': parts.push(`${labelOf('stage', details.stage)}${details.added ? ` +${duration(timeSpanMs(details.added))}` : ''}`); break;
    default: break;
  }
  if (e.reason) parts.push(labelled('reason', e.reason));
  return parts.filter(Boolean).map(escape).join(' · ');
}

/** A .NET TimeSpan as JSON writes it ("1.02:03:04" or "02:03:04") in milliseconds. */
function timeSpanMs(span) {
  const match = /^(?:(\d+)\.)?(\d+):(\d+):(\d+)/.exec(String(span));
  if (!match) return 0;
  const [, d = 0, h, m, s] = match.map(Number);
  return (((d * 24 + h) * 60 + m) * 60 + s) * 1000;
}

const actorWords = (e) => e.actorName
  || [labelOf('role', e.actorRole), e.actorUnit ? unitName(e.actorUnit) : ''].filter(Boolean).join(' · ');

function showDetail(d) {
  const s = d.summary;
  const a = (name, permission, states) => (may(permission) && states.includes(s.state)
    ? `<button type="button" data-action="${name}" aria-keyshortcuts="${Object.keys(KEYS).find((k) => KEYS[k] === name) ?? ''}">${t(name)}</button>` : '');
  const deferral = s.deferred ? a('resume', 'ApproveDeadlines', STATES) : a('defer', 'ApproveDeadlines', ['Filed', 'Dispatched', 'Returned', 'Accepted', 'InProgress']);
  const assignments = (d.assignments ?? []).map((x) => `<li>${escape(unitName(x.unit))}${x.lead ? '' : ` (${t('co.units')})`}
    · ${escape(labelOf('assignment', x.state))}${x.worker ? ` · ${escape(x.workerName ?? x.worker)}` : ''}</li>`).join('');
  $('#detail').innerHTML = `
    <h2 id="detail-title">${badge(s.priority, reference)} ${escape(typeName(s))}</h2>
    <dl class="facts">
      <dt>${t('number')}</dt><dd id="d-number">${escape(s.number)}</dd>
      <dt>${t('state')}</dt><dd id="d-state">${escape(stateName(s.state, reference))}${s.deferred ? ` · ${t('deferred')}` : ''}</dd>
      <dt>${t('street')}</dt><dd>${escape(named(streetOf(s.street)))}</dd>
      <dt>${t('channel')}</dt><dd>${escape(labelOf('channel', s.channel))}</dd>
      <dt>${t('reported.at')}</dt><dd>${escape(when(s.reportedAt))}</dd>
      <dt>${t('lead.unit')}</dt><dd>${assignments ? `<ul class="plain">${assignments}</ul>` : '—'}</dd>
      <dt>${t('deadline')}</dt><dd class="due level-${Math.min(3, s.escalation ?? 0)}">${s.dueStage ? `${escape(labelOf('stage', s.dueStage))} · ` : ''}${countdown(s.dueAt) || '—'}</dd>
      <dt>${t('description')}</dt><dd>${escape(d.description)}</dd>
      ${d.reporter?.name ? `<dt>${t('reporter')}</dt><dd>${escape(d.reporter.name)} ${escape(d.reporter.phone ?? '')}</dd>` : ''}
      ${d.rating ? `<dt>${t('rating')}</dt><dd>${d.rating}${d.ratingComment ? ` · “${escape(d.ratingComment)}”` : ''}</dd>` : ''}
    </dl>
    <div class="actions">
      ${a('file', 'Triage', ['Reported'])}${a('dismiss', 'Triage', ['Reported'])}${a('merge', 'Triage', ['Reported', 'Filed'])}
      ${a('dispatch', 'Dispatch', ['Filed', 'Returned'])}${a('extend', 'ApproveDeadlines', OPEN)}${deferral}
      ${a('approve', 'Review', ['UnderReview'])}${a('rework', 'Review', ['UnderReview'])}
      ${a('reopen', 'Triage', ['Closed', 'Dismissed'])}${a('note', 'Note', STATES)}
    </div>
    <h3>${t('alerts')}</h3>
    ${(d.alerts ?? []).map(alertView).join('') || `<p class="muted">${t('none')}</p>`}
    ${(d.evidence ?? []).map((e) => `<figure class="evidence"><img alt="${t('evidence.photo')}" data-evidence="${escape(e)}">
      <figcaption><button type="button" class="secondary" data-full="${escape(e)}">${t('photo.full')}</button></figcaption></figure>`).join('')}
    <h3>${t('timeline')}</h3>
    <ol class="timeline">${(d.timeline ?? []).map((e) => `<li><time class="muted" datetime="${escape(e.at)}">${escape(when(e.at))}</time>
      <b>${escape(labelOf('event', e.kind))}</b> <span class="muted">${escape(actorWords(e))}</span> ${eventWords(e)}</li>`).join('')}</ol>`;
  for (const button of $('#detail').querySelectorAll('[data-action]')) button.addEventListener('click', () => act(button.dataset.action, d));
  for (const img of $('#detail').querySelectorAll('img[data-evidence]')) loadEvidence(img);
  for (const box of $('#detail').querySelectorAll('.box[data-box]')) {
    const [x, y, w, h] = box.dataset.box.split(',').map(Number);
    Object.assign(box.style, { left: `${x * 100}%`, top: `${y * 100}%`, width: `${w * 100}%`, height: `${h * 100}%` });
  }
  for (const button of $('#detail').querySelectorAll('[data-full]')) {
    button.addEventListener('click', () => {
      const img = $(`#detail img[data-evidence="${CSS.escape(button.dataset.full)}"]`);
      $('#photo-img').src = img?.src ?? '';
      $('#photo-img').alt = t('evidence.photo');
      $('#photo').showModal();
    });
  }
}

function alertView(alert) {
  const d = alert.detection;
  const boxes = (d?.boxes ?? []).map((b) => `<div class="box" data-box="${[b.x, b.y, b.width, b.height].map(Number).join(',')}"><span>${escape(b.label ?? '')} ${Math.round((d.confidence ?? 0) * 100)}%</span></div>`).join('');
  const image = d?.imageRef && /^\/(?!\/)/.test(d.imageRef) ? `<img src="${escape(d.imageRef)}" alt="${t('frame')}">` : '';
  return `<div class="muted">${escape(labelOf('disposition', alert.disposition))} · ${escape(when(alert.observedAt))}
    ${d ? ` · ${t('confidence')} ${Math.round(d.confidence * 100)}%` : ''}</div>
    ${d ? `<div class="evidence frame">${image}${boxes}</div>` : ''}`;
}

async function loadEvidence(img) {
  const response = await fetch(`/api/v1/evidence/${encodeURIComponent(img.dataset.evidence)}`, { headers: { authorization: `Bearer ${localStorage.getItem('dispatch.token')}` } });
  if (response.ok) img.src = URL.createObjectURL(await response.blob());
}

/** Opens a small form for the action's fields; resolves with them, or null when cancelled. */
function ask(title, fields, hint = '') {
  const dialog = $('#dialog');
  const form = $('#dialog-form');
  form.innerHTML = `<h3>${escape(title)}</h3>${fields.map((f) => (f.group
    ? `<fieldset><legend>${escape(f.label)}</legend>${f.html}</fieldset>`
    : `<label>${escape(f.label)}${f.html}</label>`)).join('')}
    ${hint ? `<p class="muted">${escape(hint)}</p>` : ''}
    <div class="actions"><button value="ok" id="dialog-ok">${t('confirm')}</button><button value="cancel" class="secondary" formnovalidate>${t('cancel')}</button></div>`;
  return new Promise((resolve) => {
    dialog.onclose = () => {
      const data = new FormData(form);
      const values = Object.fromEntries(data);
      values.coUnits = data.getAll('coUnits');
      resolve(dialog.returnValue === 'ok' ? values : null);
    };
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
      case 'file': input = {}; await call('POST', path('file'), { commandId: id() }); break;
      case 'dismiss':
        input = await ask(t('dismiss'), [
          { label: t('ground'), html: `<select name="ground">${['FalseAlarm', 'Duplicate', 'OutOfScope'].map((g) => `<option value="${g}">${labelOf('ground', g)}</option>`).join('')}</select>` },
          { label: t('reason'), html: text('reason') }]);
        if (input) await call('POST', path('dismiss'), { commandId: id(), ground: input.ground, reason: input.reason });
        break;
      case 'merge':
        input = await ask(t('merge'), [{ label: t('into'), html: text('into') }, { label: t('reason'), html: text('reason') }]);
        if (input) await call('POST', path('merge'), { commandId: id(), into: input.into, reason: input.reason });
        break;
      case 'dispatch': {
        const rec = await call('GET', `/api/v1/incidents/${encodeURIComponent(n)}/recommendation`);
        const units = reference.units.map((u) => `<option value="${escape(u.code)}" ${u.code === rec.leadUnit ? 'selected' : ''}>${escape(named(u))}${u.code === rec.leadUnit ? ` (${t('recommended')})` : ''}</option>`).join('');
        const workers = (rec.workers ?? []).map((w, i) => `<option value="${escape(w.userId)}" ${i === 0 ? 'selected' : ''}>${escape(w.name)} — ${t('open.tasks')} ${w.openTasks ?? 0}${w.distanceM >= 0 ? ` · ${t('away')} ${distance(w.distanceM)}` : ''}${i === 0 ? ` (${t('recommended')})` : ''}</option>`).join('');
        const coUnits = reference.units.filter((u) => u.code !== rec.leadUnit).map((u) => `<label class="check"><input type="checkbox" name="coUnits" value="${escape(u.code)}" ${(rec.coUnits ?? []).includes(u.code) ? 'checked' : ''}> ${escape(named(u))}</label>`).join('');
        input = await ask(t('dispatch'), [
          { label: t('lead.unit'), html: `<select name="leadUnit" id="dispatch-unit">${units}</select>` },
          { label: t('worker'), html: `<select name="worker" id="dispatch-worker"><option value="">—</option>${workers}</select>` },
          { label: t('co.units'), html: `<div class="checks">${coUnits}</div>`, group: true }],
        zh() ? '有协办单位时，须主办与全部协办单位都反馈处置结果后，案件才进入核查。'
          : 'With co-units, the case goes to review only after the lead unit and every co-unit have reported their result.');
        if (input) {
          await call('POST', path('dispatch'), {
            commandId: id(), leadUnit: input.leadUnit, worker: input.leadUnit === rec.leadUnit ? input.worker : '', coUnits: input.coUnits,
          });
        }
        break;
      }
      case 'extend':
        input = await ask(t('extend'), [
          { label: t('extra'), html: '<input name="amount" type="number" min="1" max="999" value="2" required>' },
          { label: t('extra.unit'), html: `<select name="unit">${['m', 'h', 'wh', 'wd'].map((u) => `<option value="${u}" ${u === 'h' ? 'selected' : ''}>${t(`extra.${u}`)}</option>`).join('')}</select>` },
          { label: t('reason'), html: text('reason') }]);
        // The API takes the allowance in its own notation: "30m", "2h" on the wall clock, "4wh", "2wd" in working time.
        if (input) await call('POST', path('extend'), { commandId: id(), extra: `${Number(input.amount)}${input.unit}`, reason: input.reason });
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
    if (input !== null) toast(`${t(action)} · ${t('done')}`);
    await open(n, true);
  } catch (error) {
    report(error);
  }
}

/** Keyboard triage: ↑/↓ (and Home/End) move through the queue, Enter opens, one key per action, N shows arrivals. */
function keyboard() {
  const list = $('#queue');
  const focusRow = (li) => {
    if (!li) return;
    for (const x of list.children) x.tabIndex = x === li ? 0 : -1;
    li.focus();
    li.scrollIntoView({ block: 'nearest' });
  };
  list.addEventListener('keydown', (event) => {
    const current = document.activeElement?.closest?.('.row') ?? list.firstElementChild;
    const moves = { ArrowDown: current?.nextElementSibling, ArrowUp: current?.previousElementSibling, Home: list.firstElementChild, End: list.lastElementChild };
    if (event.key in moves) {
      event.preventDefault();
      focusRow(document.activeElement === list ? list.firstElementChild : moves[event.key] ?? current);
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      if (current) open(current.dataset.number);
    }
  });
  list.addEventListener('click', (event) => {
    const li = event.target.closest('.row');
    if (li) { focusRow(li); open(li.dataset.number); }
  });
  document.addEventListener('keydown', async (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || document.querySelector('dialog[open]')) return;
    if (event.target.closest('input, select, textarea')) return;
    const key = event.key.toLowerCase();
    if (key === '/') { event.preventDefault(); $('#q').focus(); return; }
    if (key === 'n') { event.preventDefault(); showArrivals(); return; }
    if (!KEYS[key]) return;
    const row = document.activeElement?.closest?.('.row');
    if (row && row.dataset.number !== detail?.summary.number) await open(row.dataset.number);
    const button = $(`#detail [data-action="${KEYS[key]}"]`);
    if (button) { event.preventDefault(); button.click(); }
  });
}

/** Open incidents of the chosen kind and period, for the heat layer (at most 1,000, newest first). */
async function loadHeat() {
  const [kind, scenario, type] = ($('#heat').value || '').split(':');
  if (!kind) { map?.setHeat(null); return; }
  const period = $('#heat-period').value;
  const days = { '1d': 1, '7d': 7, '30d': 30 }[period];
  const query = { scenarios: [scenario], openOnly: period === 'open', ...(days ? { reportedFrom: new Date(Date.now() - days * 86400000).toISOString() } : {}) };
  const points = [];
  let token = '';
  try {
    for (let page = 0; page < 5; page++) {
      const reply = await call('POST', '/api/v1/incidents:list', { filter: query, pageSize: 200, pageToken: token });
      for (const i of reply.items ?? []) if (i.location && (!type || i.type === type)) points.push(i.location);
      token = reply.nextPageToken;
      if (!token) break;
    }
    const label = type ? named(typeOf(type)) : named(reference.scenarios.find((s) => s.id === scenario));
    map?.setHeat(points, `${label} · ${t(`period.${period}`)}`);
  } catch (error) {
    report(error);
  }
}

boot(async (signedIn) => {
  user = signedIn;
  $('#who').textContent = userLine(user);
  languageSwitch(async () => {
    $('#who').textContent = userLine(user);
    if (!reference) return; // the rest is drawn in the new language when it arrives
    fillFilters();
    renderQueue(true);
    showTotal();
    if (detail) showDetail(detail);
    await map?.relabel();
    loadHeat();
  });
  try {
    reference = await call('GET', '/api/v1/reference');
  } catch (error) {
    report(error);
    return;
  }
  fillFilters();
  fromUrl();
  translate();
  for (const sel of ['#f-state', '#f-scenario', '#f-street', '#f-priority', '#f-unit', '#f-overdue']) $(sel).addEventListener('change', load);
  $('#filters').addEventListener('submit', (event) => { event.preventDefault(); load(); });
  $('#heat').addEventListener('change', loadHeat);
  $('#heat-period').addEventListener('change', loadHeat);
  $('#arrivals').addEventListener('click', showArrivals);
  let typing;
  $('#q').addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(load, 300); });
  keyboard();
  createMap($('#map'), { onSelect: (number) => open(number) }).then((m) => {
    map = m;
    renderQueue();
    if (detail) map.select(detail.summary);
  }).catch(() => { $('#map').textContent = t('map.unavailable'); });
  await load();
  if (selected) open(selected, true);
  watch({}, onChange, load);
  setInterval(() => { for (const el of document.querySelectorAll('[data-due]')) el.textContent = countdown(el.dataset.due); }, 30000);
});
