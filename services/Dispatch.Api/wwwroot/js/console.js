import {
  boot,
  call,
  t,
  tf,
  translate,
  languageSwitch,
  named,
  watch,
  toast,
  report,
  escape,
  countdown,
  stateName,
  id,
  zh,
  labelOf,
  badge,
  when,
  userLine,
  duration,
  distance,
  labelled,
  loadReference,
} from './common.js';
import { createMap } from './map.js';
import { QueueModel, PAGE, MAX_ROWS, urgency } from './queue.js';
import { openIntake } from './intake.js';
import { startInbox } from './inbox.js';

// One key, one action on the open incident (when the server lists the action for it).
const KEYS = {
  f: 'file',
  x: 'dismiss',
  m: 'merge',
  d: 'dispatch',
  c: 'reclassify',
  r: 'recall',
  g: 'redirect',
  u: 'urge',
  e: 'extend',
  a: 'approve',
  w: 'rework',
  t: 'note',
};
const BUCKETS = ['dispatch', 'report', 'returned', 'review', 'warned'];
// The actions the console offers, in the order of their buttons; the server's `actions` decides which are shown.
const ACTIONS = [
  'file',
  'dismiss',
  'merge',
  'dispatch',
  'reclassify',
  'recall',
  'redirect',
  'urge',
  'extend',
  'defer',
  'resume',
  'approve',
  'rework',
  'reopen',
  'note',
];
const NUMBER_LIKE = /^(?:[A-Za-z]{1,4}-)?[\d-]{2,}$/;

let reference = null;
let user = null;
let map = null;
let bucket = 'dispatch';
let selected = null;
let detail = null;
let loadSeq = 0;
let inbox = null;
let search = null; // rows of a search, shown instead of the queue while the search box has text
const model = new QueueModel();

const $ = (selector) => document.querySelector(selector);
const typeOf = (code) => reference?.scenarios.flatMap((s) => s.types).find((x) => x.code === code);
const streetOf = (code) => reference?.streets.find((s) => s.code === code);
const unitOf = (code) => reference?.units.find((u) => u.code === code);
const unitName = (code) => named(unitOf(code)) || '—';
const typeName = (i) => named(typeOf(i.type)) || (zh() ? i.typeZh : i.typeEn) || '—';
const list = (items) => items.filter(Boolean).join(zh() ? '、' : ', ');

/** The filters, the bucket and the open case live in the URL, so a link (or a reload) shows the same queue. */
const PARAMS = { scenario: '#f-scenario', street: '#f-street', priority: '#f-priority', unit: '#f-unit' };
function fromUrl() {
  const url = new URLSearchParams(location.search);
  for (const [name, sel] of Object.entries(PARAMS)) if (url.has(name)) $(sel).value = url.get(name);
  if (BUCKETS.includes(url.get('bucket'))) bucket = url.get('bucket');
  if (url.get('q')) $('#q').value = url.get('q');
  selected = url.get('case');
}
function toUrl() {
  const url = new URLSearchParams(location.search);
  for (const [name, sel] of Object.entries(PARAMS))
    if ($(sel).value) url.set(name, $(sel).value);
    else url.delete(name);
  if (bucket !== 'dispatch') url.set('bucket', bucket);
  else url.delete('bucket');
  if ($('#q').value.trim()) url.set('q', $('#q').value.trim());
  else url.delete('q');
  if (selected) url.set('case', selected);
  else url.delete('case');
  url.delete('lang');
  history.replaceState(null, '', `${location.pathname}${url.size ? `?${url}` : ''}`);
}

/** A day of the district (yyyy-MM-dd, China Standard Time) as the instant it starts. */
const dayStart = (day, plus = 0) => new Date(Date.parse(`${day}T00:00:00+08:00`) + plus * 86400000).toISOString();

function filter() {
  const value = (sel) => $(sel).value;
  return {
    scenarios: value('#f-scenario') ? [value('#f-scenario')] : [],
    streets: value('#f-street') ? [value('#f-street')] : [],
    priorities: value('#f-priority') ? [value('#f-priority')] : [],
    units: value('#f-unit') ? [value('#f-unit')] : [],
  };
}

/** Whether an incident, as a change left it, belongs in the bucket shown with the filter. */
function belongs(i) {
  const f = filter();
  return (
    (i.queues ?? []).includes(bucket) &&
    (!f.scenarios.length || f.scenarios.includes(i.scenario)) &&
    (!f.streets.length || f.streets.includes(i.street)) &&
    (!f.priorities.length || f.priorities.includes(i.priority)) &&
    (!f.units.length || f.units.includes(i.leadUnit) || (i.coUnits ?? []).some((u) => f.units.includes(u)))
  );
}

function fillFilters() {
  const options = (sel, all, items) => {
    const current = $(sel).value;
    $(sel).innerHTML =
      `<option value="">${t(all)}</option>` +
      items.map(([v, label]) => `<option value="${escape(v)}">${escape(label)}</option>`).join('');
    $(sel).value = current;
  };
  options(
    '#f-scenario',
    'all.scenarios',
    reference.scenarios.map((s) => [s.id, named(s)]),
  );
  options(
    '#f-street',
    'all.streets',
    reference.streets.map((s) => [s.code, named(s)]),
  );
  options(
    '#f-priority',
    'all.priorities',
    ['P1', 'P2', 'P3', 'P4'].map((p) => [p, labelOf('priority', p)]),
  );
  options(
    '#f-unit',
    'all.units',
    reference.units.map((u) => [u.code, named(u)]),
  );
  const heat = $('#heat').value;
  const typeOption = (s, x) => `<option value="type:${escape(s.id)}:${escape(x.code)}">${escape(named(x))}</option>`;
  $('#heat').innerHTML =
    `<option value="">${t('heat.off')}</option><option value="all">${t('heat.all')}</option>` +
    reference.scenarios
      .map(
        (s) => `<optgroup label="${escape(named(s))}">
    <option value="scenario:${escape(s.id)}">${escape(named(s))}</option>
    ${s.types.map((x) => typeOption(s, x)).join('')}</optgroup>`,
      )
      .join('');
  $('#heat').value = heat;
  const period = $('#heat-period').value || 'open';
  $('#heat-period').innerHTML = ['open', '1d', '7d', '30d']
    .map((p) => `<option value="${p}">${t(`period.${p}`)}</option>`)
    .join('');
  $('#heat-period').value = period;
  drawBuckets();
}

let counts = {};
function drawBuckets() {
  $('#buckets').innerHTML = BUCKETS.map(
    (b) => `<button type="button" class="bucket" data-bucket="${b}" aria-pressed="${b === bucket}">
    <span>${escape(t(`bucket.${b}`))}</span> <b>${counts[b] ?? '—'}</b></button>`,
  ).join('');
}

/** The queue's first page as the address asks for it, asked before anything else so that rows come first. */
function firstPage() {
  const url = new URLSearchParams(location.search);
  if (url.get('q') || url.get('from') || url.get('to')) return null;
  const one = (name) => (url.get(name) ? [url.get(name)] : []);
  return call('POST', '/api/v1/queue', {
    bucket: BUCKETS.includes(url.get('bucket')) ? url.get('bucket') : 'dispatch',
    filter: { scenarios: one('scenario'), streets: one('street'), priorities: one('priority'), units: one('unit') },
    pageSize: PAGE,
  });
}

/** Loads the first page of the bucket (or the search) afresh; `early` is that page already asked for. */
async function load(early = null) {
  const seq = ++loadSeq;
  $('#total').textContent = t('loading');
  toUrl();
  const text = $('#q').value.trim();
  const url = new URLSearchParams(location.search);
  const drill = url.get('from') || url.get('to') ? { from: url.get('from'), to: url.get('to') } : null;
  $('#drill').hidden = !drill;
  if (drill) $('#drill-text').textContent = tf('drill', { from: drill.from ?? '…', to: drill.to ?? '…' });
  try {
    if (drill && !text) {
      // From the evaluation page: every case of the unit, street or scenario reported in its period, open or not.
      const reply = await call('POST', '/api/v1/incidents:list', {
        filter: {
          ...filter(),
          ...(drill.from ? { reportedFrom: dayStart(drill.from) } : {}),
          ...(drill.to ? { reportedTo: dayStart(drill.to, 1) } : {}),
        },
        pageSize: MAX_ROWS,
      });
      if (seq !== loadSeq) return;
      search = reply.items ?? [];
      model.reset(search, reply.total ?? search.length, true);
    } else if (text) {
      const reply = NUMBER_LIKE.test(text)
        ? await call('GET', `/api/v1/numbers/${encodeURIComponent(text)}`)
        : await call('POST', '/api/v1/incidents:list', { filter: { ...filter(), query: text }, pageSize: PAGE });
      if (seq !== loadSeq) return;
      search = reply.items ?? [];
      model.reset(search, reply.total ?? search.length, true);
      if (NUMBER_LIKE.test(text) && search.length === 1 && search[0].number !== selected) open(search[0].number);
    } else {
      search = null;
      const page = await (early ?? call('POST', '/api/v1/queue', { bucket, filter: filter(), pageSize: PAGE }));
      if (seq !== loadSeq) return; // an earlier filter's answer arriving late must not replace the newer one
      model.reset(page.items ?? [], page.total ?? 0, !page.nextPageToken);
      nextToken = page.nextPageToken ?? '';
      takeCounts(page);
    }
    $('#queue').replaceChildren();
    draw();
  } catch (error) {
    if (seq === loadSeq) $('#total').textContent = '';
    report(error);
  }
}

let nextToken = '';
async function more() {
  if (!nextToken || model.rows.length >= MAX_ROWS) return;
  const seq = loadSeq;
  try {
    const page = await call('POST', '/api/v1/queue', {
      bucket,
      filter: filter(),
      pageSize: PAGE,
      pageToken: nextToken,
    });
    if (seq !== loadSeq) return;
    nextToken = page.nextPageToken ?? '';
    model.append(page.items ?? [], !nextToken);
    takeCounts(page);
    draw();
  } catch (error) {
    report(error);
  }
}

function takeCounts(page) {
  counts = Object.fromEntries((page.buckets ?? []).map((b) => [b.bucket, b.count ?? 0]));
  if (!search) model.total = counts[bucket] ?? model.total;
  drawBuckets();
}

/** The counts of every bucket, asked again at most every few seconds while changes arrive (one small call). */
let countsTimer = 0;
function refreshCounts() {
  if (countsTimer) return;
  countsTimer = setTimeout(async () => {
    try {
      takeCounts(await call('POST', '/api/v1/queue', { bucket, filter: filter(), pageSize: 1 }));
      showTotal();
    } catch {
      /* the next change asks again */
    }
    countsTimer = 0;
  }, 3000);
}

function showTotal() {
  const total = model.total;
  $('#total').textContent = search
    ? total === 0
      ? t('no.match')
      : tf('found', { n: total })
    : total === 0
      ? t('queue.empty')
      : tf('in.bucket', { n: total, bucket: t(`bucket.${bucket}`) });
  const waiting = model.pending.size;
  $('#arrivals').hidden = waiting === 0;
  $('#arrivals').textContent = tf('new.arrivals', { n: waiting });
  $('#more').hidden = search !== null || !nextToken || model.rows.length >= MAX_ROWS;
}

function rowHtml(i) {
  const level = urgency(i);
  return `${badge(i.priority)}
    <span class="what">${escape(typeName(i))} · ${escape(named(streetOf(i.street)))}</span>
    <span class="state">${escape(stateName(i.state))}</span>
    <span class="num muted">${escape(i.number)}</span>
    <span class="desc muted">${escape(i.description ?? '')}</span>
    <span class="due ${level}" data-due="${escape(i.dueAt ?? '')}"
      data-warn="${escape(i.warnAt ?? '')}">${countdown(i.dueAt) || '—'}</span>`;
}

/** Whether the dispatcher is working in the list now: then no row moves and arrivals wait behind the announcement. */
const busy = () => $('#queue').matches(':hover') || $('#queue').contains(document.activeElement);

let frame = 0;
/** Draws at most once per frame: only rows that changed are rewritten, and the order is fixed only when not busy. */
function draw() {
  frame = 0;
  if (!busy() && model.pending.size) {
    // Taken in: those that sort within the loaded rows join them, the others are counted for the later pages.
    const arrived = model.pending.size;
    model.settle();
    say(tf('arrived', { n: arrived }));
  } else if (!busy() && model.gone.size) {
    model.settle();
  }
  const ul = $('#queue');
  const existing = new Map([...ul.children].map((li) => [li.dataset.number, li]));
  const still = busy();
  for (const [number, li] of existing) {
    if (!model.byNumber.has(number)) li.remove();
    else if (model.gone.has(number)) li.classList.add('gone');
  }
  let previous = null;
  for (const i of model.rows) {
    let li = existing.get(i.number);
    const fresh = !li;
    if (fresh) {
      li = document.createElement('li');
      li.className = 'row';
      li.setAttribute('role', 'option');
      li.tabIndex = -1;
      li.dataset.number = i.number;
      li.id = `row-${i.number}`;
    }
    if (fresh || model.dirty.has(i.number)) {
      li.innerHTML = rowHtml(i);
      li.dataset.version = String(i.version);
      li.dataset.state = i.state;
      li.dataset.priority = i.priority;
      li.classList.toggle('gone', model.gone.has(i.number));
    }
    li.setAttribute('aria-selected', String(i.number === selected));
    if (fresh || (!still && li.previousElementSibling !== previous)) {
      if (previous) previous.after(li);
      else ul.prepend(li);
      if (fresh && existing.size) li.classList.add('fresh');
    }
    previous = li;
  }
  model.dirty.clear();
  const active = ul.querySelector('[aria-selected=true]') ?? ul.firstElementChild;
  for (const li of ul.children) li.tabIndex = li === active ? 0 : -1;
  ul.tabIndex = ul.children.length ? -1 : 0;
  showTotal();
  placeOnMap();
}

/**
 * The rows on the map, sent again only when what the map shows of them (which incidents, their priority and
 * escalation) changed, and at most every five seconds: redrawing the map is the costliest thing the page does.
 */
let placed = '';
let placing = 0;
function placeOnMap() {
  if (placing || !map) return;
  placing = setTimeout(() => {
    placing = 0;
    const now = model.rows.map((i) => `${i.number}${i.priority}${i.escalation ?? 0}`).join();
    if (now === placed) return;
    placed = now;
    map.setIncidents(model.rows);
  }, 5000);
}
const schedule = () => {
  frame ||= requestAnimationFrame(draw);
};

/** Read out to screen readers (and shown): arrivals, mostly. */
function say(text) {
  $('#announce').textContent = text;
}

function onChange(change) {
  const incident = change.incident;
  if (!incident) return;
  if (incident.number === selected) refreshDetail();
  if (search) return; // a search's rows stay as found; the queue is back when the box is cleared
  const what = model.apply(incident, belongs(incident));
  if (what) {
    schedule();
    refreshCounts();
  }
}

/** Shows waiting arrivals now (the announcement's button, or N). */
function showArrivals() {
  if (!model.pending.size) return;
  const n = model.pending.size;
  model.settle();
  $('#queue').replaceChildren();
  draw();
  say(tf('arrived', { n }));
  $('#queue').firstElementChild?.focus();
}

let detailTimer = 0;
function refreshDetail() {
  clearTimeout(detailTimer);
  detailTimer = setTimeout(() => {
    if (selected) open(selected, true);
  }, 400);
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

/** The words of one event, from its own JSON (the event log's fields, not its text), with people's names. */
function eventWords(e, d) {
  let x = {};
  try {
    x = JSON.parse(e.detailsJson || '{}');
  } catch {
    /* an event without details */
  }
  const parts = [];
  const unit = (code) => (code ? unitName(code) : '');
  const person = (userId) => (userId ? personName(userId, d) : '');
  const quote = (text) => (text ? `“${text}”` : '');
  switch (e.kind) {
    case 'reported':
      parts.push(labelOf('channel', x.channel));
      if (x.sourceRef) parts.push(labelled('source.ref', x.sourceRef));
      if (x.confidence) parts.push(`${t('confidence')} ${Math.round(x.confidence * 100)}%`);
      break;
    case 'dispatched':
      parts.push(labelled('lead.unit', `${unit(x.leadUnit)}${x.worker ? ` → ${person(x.worker)}` : ''}`));
      if (x.coUnits?.length) {
        parts.push(
          labelled(
            'co.units',
            list(x.coUnits.map((c) => `${unit(c)}${x.coUnitWorkers?.[c] ? ` → ${person(x.coUnitWorkers[c])}` : ''}`)),
          ),
        );
      }
      if (x.automatic) parts.push(t('machine.dispatch'));
      break;
    case 'accepted':
      parts.push(`${unit(x.unit)}${x.worker ? ` · ${person(x.worker)}` : ''}`);
      break;
    case 'arrived':
      parts.push(unit(x.unit));
      break;
    case 'returned':
      parts.push(unit(x.unit));
      break;
    case 'resultSubmitted':
      parts.push(unit(x.unit));
      parts.push(labelled('result.note', quote(x.note) || '—'));
      if (x.photos?.length) parts.push(tf('photos', { n: x.photos.length }));
      break;
    case 'closed':
      if (x.evaluation)
        parts.push(
          labelled(
            'rating',
            `${'★'.repeat(x.evaluation.rating)}${x.evaluation.comment ? ` ${quote(x.evaluation.comment)}` : ''}`,
          ),
        );
      break;
    case 'noteAdded':
      parts.push(quote(x.text));
      break;
    case 'merged':
      parts.push(labelled('into', x.into ?? ''));
      break;
    case 'absorbed':
      parts.push(x.from ?? '');
      break;
    case 'dismissed':
      parts.push(labelOf('ground', x.ground));
      break;
    case 'escalated':
      parts.push(`${labelOf('stage', x.stage)} · ${labelOf('escalation', x.level)}`);
      break;
    case 'deadlineExtended':
      parts.push(`${labelOf('stage', x.stage)}${x.added ? ` +${duration(timeSpanMs(x.added))}` : ''}`);
      break;
    case 'reclassified':
      parts.push(`${named(typeOf(x.fromType)) || '—'} → ${named(typeOf(x.toType)) || '—'}`);
      if (x.fromPriority !== x.toPriority)
        parts.push(`${labelOf('priority', x.fromPriority)} → ${labelOf('priority', x.toPriority)}`);
      break;
    case 'recalled':
      parts.push(`${unit(x.unit)}${x.worker ? ` · ${person(x.worker)}` : ''}`);
      break;
    case 'redirected':
      parts.push(
        `${unit(x.unit)}${x.fromWorker ? ` · ${person(x.fromWorker)}` : ''} → ` +
          `${unit(x.toUnit)}${x.worker ? ` · ${person(x.worker)}` : ''}`,
      );
      break;
    case 'urged':
      parts.push(`${x.unit ? unit(x.unit) : t('all.open.units')} ${quote(x.text)}`);
      break;
    default:
      break;
  }
  if (e.reason) parts.push(labelled('reason', e.reason));
  return parts.filter(Boolean).map(escape).join(' · ');
}

/** A person's name from the incident's own record (assignments, timeline), never a bare id when a name is known. */
function personName(userId, d) {
  const known =
    (d.assignments ?? []).find((a) => a.worker === userId)?.workerName ||
    (d.timeline ?? []).find((e) => e.actor === userId)?.actorName ||
    peopleNames.get(userId);
  return known || userId;
}
const peopleNames = new Map();

/** A .NET TimeSpan as JSON writes it ("1.02:03:04" or "02:03:04") in milliseconds. */
function timeSpanMs(span) {
  const match = /^(?:(\d+)\.)?(\d+):(\d+):(\d+)/.exec(String(span));
  if (!match) return 0;
  const [, d = 0, h, m, s] = match.map(Number);
  return (((d * 24 + h) * 60 + m) * 60 + s) * 1000;
}

const actorWords = (e) =>
  [e.actorName || labelOf('role', e.actorRole), e.actorUnit ? unitName(e.actorUnit) : ''].filter(Boolean).join(' · ');

/** Progress of a unit's part, as a step of four. */
const STEPS = ['Dispatched', 'Accepted', 'InProgress', 'Handled'];

function showDetail(d) {
  const s = d.summary;
  const allowed = new Set(s.actions ?? []);
  const shortcut = (name) => Object.keys(KEYS).find((k) => KEYS[k] === name) ?? '';
  const button = (name) =>
    allowed.has(name)
      ? `<button type="button" data-action="${name}" aria-keyshortcuts="${shortcut(name)}">` +
        `${escape(labelOf('action', name))}</button>`
      : '';
  const assignments = (d.assignments ?? [])
    .map((x) => {
      const step = STEPS.indexOf(x.state);
      const state = escape(labelOf('assignment', x.state));
      const dots = STEPS.map((_, k) => `<i class="${k <= step ? 'on' : ''}"></i>`).join('');
      const role = x.lead ? t('lead') : t('co.unit');
      return `<li class="part"><b>${escape(unitName(x.unit))}</b> <span class="muted">${role}</span>
      <span class="progress" role="img" aria-label="${state}">${dots}</span>
      ${state}${x.worker ? ` · ${escape(x.workerName || x.worker)}` : ''}</li>`;
    })
    .join('');
  const photos = (d.evidence ?? [])
    .map(
      (e) =>
        '<figure class="evidence">' +
        `<button type="button" class="thumb" data-full="${escape(e)}" aria-label="${t('photo.full')}">
    <img alt="${t('evidence.photo')}" data-evidence="${escape(e)}"></button></figure>`,
    )
    .join('');
  const deferred = s.deferred ? ` · ${t('deferred')}` : '';
  const sourceRef = s.sourceRef ? ` · ${escape(s.sourceRef)}` : '';
  const stage = s.dueStage ? `${escape(labelOf('stage', s.dueStage))} · ` : '';
  const reporter = d.reporter?.name
    ? `<dt>${t('reporter')}</dt><dd>${escape(d.reporter.name)} ${escape(d.reporter.phone ?? '')}</dd>`
    : '';
  const rating = d.rating
    ? `<dt>${t('rating.given')}</dt><dd id="d-rating">${'★'.repeat(d.rating)}${'☆'.repeat(5 - d.rating)}` +
      `${d.ratingComment ? ` · “${escape(d.ratingComment)}”` : ''}</dd>`
    : '';
  const entry = (e) =>
    `<li data-kind="${escape(e.kind)}"><time class="muted" datetime="${escape(e.at)}">${escape(when(e.at))}</time>
      <b>${escape(labelOf('event', e.kind))}</b> <span class="muted">${escape(actorWords(e))}</span> ` +
    `${eventWords(e, d)}</li>`;
  $('#detail').innerHTML = `
    <h2 id="detail-title">${badge(s.priority)} ${escape(typeName(s))}</h2>
    <dl class="facts">
      <dt>${t('number')}</dt><dd id="d-number">${escape(s.number)}</dd>
      <dt>${t('state')}</dt><dd id="d-state">${escape(stateName(s.state))}${deferred}</dd>
      <dt>${t('street')}</dt><dd>${escape(named(streetOf(s.street)))}</dd>
      <dt>${t('channel')}</dt><dd>${escape(labelOf('channel', s.channel))}${sourceRef}</dd>
      <dt>${t('reported.at')}</dt><dd>${escape(when(s.reportedAt))}</dd>
      <dt>${t('deadline')}</dt><dd class="due ${urgency(s)}">${stage}${countdown(s.dueAt) || '—'}</dd>
      <dt>${t('description')}</dt><dd>${escape(d.description)}</dd>
      ${reporter}
      ${rating}
    </dl>
    ${assignments ? `<h3>${t('units.progress')}</h3><ul class="plain parts" id="parts">${assignments}</ul>` : ''}
    <div class="actions" id="actions">${ACTIONS.map(button).join('')}</div>
    ${photos ? `<h3>${t('photos.before.after')}</h3><div class="photos">${photos}</div>` : ''}
    <h3>${t('alerts')}</h3>
    ${(d.alerts ?? []).map(alertView).join('') || `<p class="muted">${t('none')}</p>`}
    <h3>${t('timeline')}</h3>
    <ol class="timeline" id="timeline">${(d.timeline ?? []).map(entry).join('')}</ol>`;
  for (const b of $('#detail').querySelectorAll('[data-action]'))
    b.addEventListener('click', () => act(b.dataset.action, d));
  for (const img of $('#detail').querySelectorAll('img[data-evidence]')) loadEvidence(img);
  for (const box of $('#detail').querySelectorAll('.box[data-box]')) {
    const [x, y, w, h] = box.dataset.box.split(',').map(Number);
    Object.assign(box.style, { left: `${x * 100}%`, top: `${y * 100}%`, width: `${w * 100}%`, height: `${h * 100}%` });
  }
  for (const b of $('#detail').querySelectorAll('[data-full], [data-frame]')) {
    b.addEventListener('click', () => {
      const img = b.querySelector('img');
      $('#photo-img').src = img?.src ?? '';
      $('#photo-img').alt = img?.alt ?? '';
      $('#photo').showModal();
    });
  }
}

function alertView(alert) {
  const d = alert.detection;
  const boxes = (d?.boxes ?? [])
    .map(
      (b) =>
        `<div class="box" data-box="${[b.x, b.y, b.width, b.height].map(Number).join(',')}">` +
        `<span>${escape(b.label ?? '')} ${Math.round((d.confidence ?? 0) * 100)}%</span></div>`,
    )
    .join('');
  const image =
    d?.imageRef && /^\/(?!\/)/.test(d.imageRef) ? `<img src="${escape(d.imageRef)}" alt="${t('frame')}">` : '';
  const thumb = image
    ? `<button type="button" class="thumb" data-frame aria-label="${t('photo.full')}">${image}</button>`
    : '';
  return `<div class="muted">${escape(labelOf('disposition', alert.disposition))} · ${escape(when(alert.observedAt))}
    ${d ? ` · ${t('confidence')} ${Math.round(d.confidence * 100)}%` : ''}</div>
    ${d ? `<div class="evidence frame">${thumb}${boxes}</div>` : ''}`;
}

async function loadEvidence(img) {
  const response = await fetch(`/api/v1/evidence/${encodeURIComponent(img.dataset.evidence)}`, {
    headers: { authorization: `Bearer ${localStorage.getItem('dispatch.token')}` },
  });
  if (response.ok) img.src = URL.createObjectURL(await response.blob());
}

/** Opens a small form for the action's fields; resolves with them, or null when cancelled. */
function ask(title, fields, hint = '') {
  const dialog = $('#dialog');
  const form = $('#dialog-form');
  const inputs = fields
    .map((f) =>
      f.group
        ? `<fieldset><legend>${escape(f.label)}</legend>${f.html}</fieldset>`
        : `<label>${escape(f.label)}${f.html}</label>`,
    )
    .join('');
  form.innerHTML =
    `<h3>${escape(title)}</h3>${inputs}
    ${hint ? `<p class="muted hint">${escape(hint)}</p>` : ''}
    <div class="actions"><button value="ok" id="dialog-ok">${t('confirm')}</button>` +
    `<button value="cancel" class="secondary" formnovalidate>${t('cancel')}</button></div>`;
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
const unitOptions = (codes, chosen) =>
  codes
    .map((c) => `<option value="${escape(c)}" ${c === chosen ? 'selected' : ''}>${escape(unitName(c))}</option>`)
    .join('');

/** A worker as the recommendation ranks them, in words: "陈勇 · 在岗空闲 · 在办 0 件 · 距案发地 423 米". */
const candidateWords = (w) =>
  [
    w.name,
    labelOf('worker', w.status),
    tf('open.tasks.n', { n: w.openTasks ?? 0 }),
    w.distanceM >= 0 ? `${t('away')} ${distance(w.distanceM)}` : t('no.fix.known'),
  ].join(' · ');

async function dispatchForm(d) {
  const n = d.summary.number;
  const rec = await call('GET', `/api/v1/incidents/${encodeURIComponent(n)}/recommendation`);
  const units = rec.units?.length
    ? rec.units
    : [{ unit: rec.leadUnit, lead: true, workers: rec.workers ?? [], pick: rec.workers?.[0]?.userId }];
  const others = reference.units.filter((u) => !units.some((x) => x.unit === u.code));
  const candidate = (u, w) =>
    `<option value="${escape(w.userId)}" ${w.userId === u.pick ? 'selected' : ''}>` +
    `${escape(candidateWords(w))}${w.userId === u.pick ? ` (${t('recommended')})` : ''}</option>`;
  const dutyOfficer = `<option value="" selected>${escape(labelOf('pickBasis', 'DutyOfficer'))}</option>`;
  const people = (u) => `<select name="worker:${escape(u.unit)}" data-unit="${escape(u.unit)}" class="dispatch-worker">
    ${(u.workers ?? []).map((w) => candidate(u, w)).join('')}
    ${u.pickBasis === 'DutyOfficer' ? dutyOfficer : ''}
    </select>`;
  const rows = units
    .map(
      (u) => `<div class="dispatch-unit">
      <label class="check"><input type="checkbox" name="coUnits"
        value="${escape(u.unit)}" ${u.lead ? 'disabled checked' : 'checked'}>
      <b>${escape(unitName(u.unit))}</b> <span class="muted">${u.lead ? t('lead') : t('co.unit')}</span></label>
      <label>${t('worker')}${people(u)}</label></div>`,
    )
    .join('');
  const input = await ask(
    t('dispatch'),
    [
      {
        label: t('lead.unit'),
        html:
          '<select name="leadUnit" id="dispatch-unit">' +
          unitOptions([rec.leadUnit, ...others.map((u) => u.code)], rec.leadUnit) +
          '</select>',
      },
      { label: t('route.units'), html: `<div class="dispatch-units" id="dispatch-units">${rows}</div>`, group: true },
    ],
    t('co.units.wait'),
  );
  if (!input) return null;
  // A person for the lead unit and each co-unit kept; a unit left unticked takes no part and names nobody.
  const taking = new Set([rec.leadUnit, ...input.coUnits]);
  const workers = {};
  for (const [key, value] of Object.entries(input))
    if (key.startsWith('worker:') && value && taking.has(key.slice(7))) workers[key.slice(7)] = value;
  if (input.leadUnit !== rec.leadUnit) {
    // Another lead unit than the route's: its people are machine dispatch's choice, and the route's co-units stay.
    return call('POST', `/api/v1/incidents/${encodeURIComponent(n)}:dispatch`, {
      commandId: id(),
      leadUnit: input.leadUnit,
      coUnits: input.coUnits.filter((c) => c !== input.leadUnit),
    });
  }
  return call('POST', `/api/v1/incidents/${encodeURIComponent(n)}:dispatch`, {
    commandId: id(),
    leadUnit: rec.leadUnit,
    coUnits: input.coUnits.filter((c) => c !== rec.leadUnit),
    workers,
  });
}

async function act(action, d) {
  const n = d.summary.number;
  const path = (verb) => `/api/v1/incidents/${encodeURIComponent(n)}:${verb}`;
  const title = labelOf('action', action);
  const parts = (d.assignments ?? []).filter((a) => a.state !== 'Handled').map((a) => a.unit);
  try {
    let input;
    switch (action) {
      case 'file':
        input = {};
        await call('POST', path('file'), { commandId: id() });
        break;
      case 'dismiss':
        input = await ask(title, [
          {
            label: t('ground'),
            html:
              '<select name="ground">' +
              ['FalseAlarm', 'Duplicate', 'OutOfScope']
                .map((g) => `<option value="${g}">${escape(labelOf('ground', g))}</option>`)
                .join('') +
              '</select>',
          },
          { label: t('reason'), html: text('reason') },
        ]);
        if (input) await call('POST', path('dismiss'), { commandId: id(), ground: input.ground, reason: input.reason });
        break;
      case 'merge':
        input = await ask(title, [
          { label: t('into'), html: text('into') },
          { label: t('reason'), html: text('reason') },
        ]);
        if (input) await call('POST', path('merge'), { commandId: id(), into: input.into, reason: input.reason });
        break;
      case 'dispatch':
        input = await dispatchForm(d);
        break;
      case 'reclassify': {
        const scenario = reference.scenarios.find((s) => s.id === d.summary.scenario);
        const typeOption = (x) =>
          `<option value="${escape(x.code)}" ${x.code === d.summary.type ? 'selected' : ''}>` +
          `${escape(named(x))} · ${escape(labelOf('priority', x.priority))}</option>`;
        const priorityOption = (p) => `<option value="${p}">${escape(labelOf('priority', p))}</option>`;
        input = await ask(
          title,
          [
            {
              label: t('type'),
              html:
                '<select name="type" id="reclassify-type">' +
                (scenario?.types ?? []).map(typeOption).join('') +
                '</select>',
            },
            {
              label: t('priority'),
              html:
                `<select name="priority" id="reclassify-priority"><option value="">${t('type.priority')}</option>` +
                ['P1', 'P2', 'P3', 'P4'].map(priorityOption).join('') +
                '</select>',
            },
            { label: t('reason'), html: text('reason') },
          ],
          t('reclassify.hint'),
        );
        if (input)
          await call('POST', path('reclassify'), {
            commandId: id(),
            type: input.type,
            priority: input.priority,
            reason: input.reason,
          });
        break;
      }
      case 'recall':
        input = await ask(
          title,
          [
            { label: t('unit'), html: `<select name="unit">${unitOptions(parts, d.summary.leadUnit)}</select>` },
            { label: t('reason'), html: text('reason') },
          ],
          t('recall.hint'),
        );
        if (input) await call('POST', path('recall'), { commandId: id(), unit: input.unit, reason: input.reason });
        break;
      case 'redirect':
        input = await ask(title, [
          { label: t('unit'), html: `<select name="unit">${unitOptions(parts, d.summary.leadUnit)}</select>` },
          {
            label: t('to.unit'),
            html: `<select name="toUnit">${unitOptions(
              reference.units.map((u) => u.code),
              d.summary.leadUnit,
            )}</select>`,
          },
          { label: t('worker.optional'), html: '<input name="worker" autocomplete="off">' },
          { label: t('reason'), html: text('reason') },
        ]);
        if (input)
          await call('POST', path('redirect'), {
            commandId: id(),
            unit: input.unit,
            toUnit: input.toUnit,
            worker: input.worker,
            reason: input.reason,
          });
        break;
      case 'urge':
        input = await ask(title, [
          {
            label: t('unit'),
            html:
              `<select name="unit"><option value="">${t('all.open.units')}</option>` +
              unitOptions(parts, '') +
              '</select>',
          },
          { label: t('urge.text'), html: text('text') },
        ]);
        if (input) await call('POST', path('urge'), { commandId: id(), unit: input.unit, text: input.text });
        break;
      case 'extend':
        input = await ask(title, [
          { label: t('extra'), html: '<input name="amount" type="number" min="1" max="999" value="2" required>' },
          {
            label: t('extra.unit'),
            html:
              '<select name="unit">' +
              ['m', 'h', 'wh', 'wd']
                .map((u) => `<option value="${u}" ${u === 'h' ? 'selected' : ''}>${t(`extra.${u}`)}</option>`)
                .join('') +
              '</select>',
          },
          { label: t('reason'), html: text('reason') },
        ]);
        // The API takes the allowance in its own notation: "30m", "2h" on the wall clock, "4wh", "2wd" in working time.
        if (input)
          await call('POST', path('extend'), {
            commandId: id(),
            extra: `${Number(input.amount)}${input.unit}`,
            reason: input.reason,
          });
        break;
      case 'defer':
      case 'resume':
        input = await ask(title, [{ label: t('reason'), html: text('reason') }]);
        if (input)
          await call('POST', path('defer'), { commandId: id(), resume: action === 'resume', reason: input.reason });
        break;
      case 'approve':
        input = await ask(title, [
          { label: t('rating'), html: '<input name="rating" type="number" min="1" max="5" value="5" required>' },
          { label: t('comment'), html: text('comment', false) },
        ]);
        if (input)
          await call('POST', path('review'), {
            commandId: id(),
            approve: true,
            rating: Number(input.rating),
            comment: input.comment,
          });
        break;
      case 'rework':
        input = await ask(title, [{ label: t('reason'), html: text('comment') }]);
        if (input) await call('POST', path('review'), { commandId: id(), approve: false, comment: input.comment });
        break;
      case 'reopen':
        input = await ask(title, [{ label: t('reason'), html: text('reason') }]);
        if (input) await call('POST', path('reopen'), { commandId: id(), reason: input.reason });
        break;
      case 'note':
        input = await ask(title, [{ label: t('note'), html: text('text') }]);
        if (input) await call('POST', path('note'), { commandId: id(), text: input.text });
        break;
      default:
        return;
    }
    if (input) toast(`${title} · ${t('done')}`);
    await open(n, true);
  } catch (error) {
    report(error);
  }
}

/** Keyboard triage: ↑/↓ (and Home/End) move through the queue, Enter opens, one key per action, N shows arrivals. */
function keyboard() {
  const ul = $('#queue');
  const focusRow = (li) => {
    if (!li) return;
    for (const x of ul.children) x.tabIndex = x === li ? 0 : -1;
    li.focus();
    li.scrollIntoView({ block: 'nearest' });
  };
  ul.addEventListener('keydown', (event) => {
    const current = document.activeElement?.closest?.('.row') ?? ul.firstElementChild;
    const moves = {
      ArrowDown: current?.nextElementSibling,
      ArrowUp: current?.previousElementSibling,
      Home: ul.firstElementChild,
      End: ul.lastElementChild,
    };
    if (event.key in moves) {
      event.preventDefault();
      focusRow(document.activeElement === ul ? ul.firstElementChild : (moves[event.key] ?? current));
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      if (current) open(current.dataset.number);
    }
  });
  ul.addEventListener('click', (event) => {
    const li = event.target.closest('.row');
    if (li) {
      focusRow(li);
      open(li.dataset.number);
    }
  });
  // Rows held still while the pointer was over the list take their places once it leaves.
  ul.addEventListener('mouseleave', schedule);
  ul.addEventListener('focusout', () => setTimeout(schedule, 0));
  document.addEventListener('keydown', async (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || document.querySelector('dialog[open]')) return;
    if (event.target.closest('input, select, textarea')) return;
    const key = event.key.toLowerCase();
    if (key === '/') {
      event.preventDefault();
      $('#q').focus();
      return;
    }
    if (key === 'n') {
      event.preventDefault();
      showArrivals();
      return;
    }
    if (!KEYS[key]) return;
    const row = document.activeElement?.closest?.('.row');
    if (row && row.dataset.number !== detail?.summary.number) await open(row.dataset.number);
    const b = $(`#detail [data-action="${KEYS[key]}"]`);
    if (b) {
      event.preventDefault();
      b.click();
    }
  });
}

/** Heat of all open (or recent) incidents of the chosen kind, counted by the server in cells of about 200 m. */
async function loadHeat() {
  const choice = $('#heat').value;
  if (!choice) {
    map?.setHeat(null);
    return;
  }
  const [kind, scenario, type] = choice.split(':');
  const period = $('#heat-period').value;
  try {
    const reply = await call(
      'POST',
      '/api/v1/map/heat',
      kind === 'all' ? { period } : { scenario, type: type ?? '', period },
    );
    const label =
      kind === 'all'
        ? t('heat.all')
        : type
          ? named(typeOf(type))
          : named(reference.scenarios.find((s) => s.id === scenario));
    map?.setHeat(
      (reply.cells ?? []).map((c) => ({ lat: c.centre.lat, lon: c.centre.lon, count: c.count })),
      `${label} · ${t(`period.${period}`)}`,
      reply.total ?? 0,
    );
  } catch (error) {
    report(error);
  }
}

/** The workers' positions and statuses (Roster.ListPeople), every 20 seconds while the console is open. */
async function loadWorkers() {
  if (!user.permissions?.includes('Dispatch')) return;
  try {
    const reply = await call('GET', '/api/v1/people');
    for (const p of reply.people ?? []) peopleNames.set(p.userId, p.name);
    map?.setWorkers(
      (reply.people ?? [])
        .filter((p) => p.position)
        .map((p) => ({
          userId: p.userId,
          name: p.name,
          unit: p.unit,
          status: p.status,
          lat: p.position.lat,
          lon: p.position.lon,
          accuracy: p.accuracyM,
        })),
    );
  } catch {
    /* the next round tries again */
  }
}

/** Counts down the visible deadlines and turns them amber and red as their instants pass. */
function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll('[data-due]')) {
    const due = el.dataset.due;
    if (!due) continue;
    el.textContent = countdown(due);
    const level = urgency({ dueAt: due, warnAt: el.dataset.warn }, now);
    el.classList.toggle('red', level === 'red');
    el.classList.toggle('amber', level === 'amber');
  }
}

boot(async (signedIn) => {
  user = signedIn;
  $('#who').textContent = userLine(user);
  languageSwitch(async () => {
    $('#who').textContent = userLine(user);
    inbox?.relabel();
    if (!reference) return; // the rest is drawn in the new language when it arrives
    fillFilters();
    $('#queue').replaceChildren();
    draw();
    if (detail) showDetail(detail);
    await map?.relabel();
    loadHeat();
  });
  const early = firstPage();
  early?.catch(() => {}); // a failure shows when it is awaited
  try {
    reference = await loadReference();
  } catch (error) {
    report(error);
    return;
  }
  $('#who').textContent = userLine(user);
  // The dispatcher's own notices, live; one opens its case here.
  inbox = startInbox({
    href: (number) => `/console/?case=${encodeURIComponent(number)}`,
    open: (number) => open(number),
  });
  fromUrl();
  fillFilters();
  fromUrl();
  translate();
  for (const sel of ['#f-scenario', '#f-street', '#f-priority', '#f-unit'])
    $(sel).addEventListener('change', () => load());
  $('#filters').addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  $('#buckets').addEventListener('click', (event) => {
    const b = event.target.closest('[data-bucket]');
    if (!b || b.dataset.bucket === bucket) return;
    bucket = b.dataset.bucket;
    $('#q').value = '';
    drawBuckets();
    load();
  });
  $('#heat').addEventListener('change', loadHeat);
  $('#heat-period').addEventListener('change', loadHeat);
  $('#arrivals').addEventListener('click', showArrivals);
  $('#more').addEventListener('click', more);
  $('#drill-clear').addEventListener('click', () => {
    const url = new URLSearchParams(location.search);
    url.delete('from');
    url.delete('to');
    history.replaceState(null, '', `${location.pathname}${url.size ? `?${url}` : ''}`);
    load();
  });
  $('#intake-open').hidden = !user.permissions?.includes('Report');
  $('#intake-open').addEventListener('click', () =>
    openIntake({
      reference,
      map,
      onCreated: (number) => {
        $('#q').value = '';
        load();
        open(number);
      },
    }),
  );
  let typing;
  $('#q').addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(load, 300);
  });
  keyboard();
  await load(early);
  if (selected) open(selected, true);
  // The map after the first rows are on the screen: building it is the longest piece of work the page does.
  requestAnimationFrame(() =>
    setTimeout(() => {
      createMap($('#map'), {
        onSelect: (number) => open(number),
        onPick: (at) => document.dispatchEvent(new CustomEvent('map-pick', { detail: at })),
      })
        .then((m) => {
          map = m;
          placed = '';
          placeOnMap();
          if (detail) map.select(detail.summary);
          loadWorkers();
        })
        .catch(() => {
          $('#map').textContent = t('map.unavailable');
        });
    }, 0),
  );
  watch({ openOnly: false }, onChange, () => load());
  setInterval(tick, 15000);
  setInterval(loadWorkers, 20000);
});
