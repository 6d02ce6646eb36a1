import {
  boot,
  call,
  t,
  tf,
  languageSwitch,
  toast,
  report,
  escape,
  countdown,
  stateName,
  id,
  connection,
  zh,
  ApiError,
  session,
  badge,
  named,
  distance,
  metresBetween,
  labelled,
  labelOf,
  loadReference,
  watch,
} from './common.js';
import { startInbox } from './inbox.js';

// Every action goes through one queue kept in localStorage: it survives a reload and a dead battery's restart,
// and is replayed (ReplayQueued, each command at most once by its id) whenever the network is there.
// Kept per user, so that someone else signing in on the same phone neither sees nor sends them.
const QUEUE = () => `dispatch.field.queue.${session.user?.userId}`;
const TASKS = () => `dispatch.field.tasks.${session.user?.userId}`;
const $ = (selector) => document.querySelector(selector);
const queue = () => JSON.parse(localStorage.getItem(QUEUE()) || '[]');
const saveQueue = (items) => {
  localStorage.setItem(QUEUE(), JSON.stringify(items));
  showPending();
};
let tasks = [];
let reference = JSON.parse(localStorage.getItem('dispatch.reference') || 'null');
let flushing = false;
let here = null;
let photo = null;
let inbox = null;

/** What a task's type asks of the result (photo, note): the catalog's closing conditions in the reference data. */
const typeInfo = (code) => reference?.scenarios?.flatMap((s) => s.types).find((x) => x.code === code);
const streetOf = (code) => reference?.streets?.find((s) => s.code === code);
const current = () => new URLSearchParams(location.hash.slice(1)).get('task');

function showPending() {
  const items = queue();
  const item = (i) =>
    `<li>${escape(i.number.slice(-6))} · ${t(i.kind)}${i.photo ? ` (${t('photo')})` : ''}` +
    `${i.error ? ` · <span class="overdue">${escape(i.error)}</span>` : ''}</li>`;
  $('#pending').innerHTML =
    items.length === 0
      ? ''
      : `<div class="card pending" id="waiting">
    <b>${t('waiting')}: <span id="waiting-count">${items.length}</span></b>
    <ul>${items.map(item).join('')}</ul></div>`;
}

async function loadTasks() {
  try {
    const page = await call('GET', '/api/v1/tasks?pageSize=100');
    // The list comes from the read model, which may not have caught up with what this phone just did.
    const known = new Map(tasks.map((x) => [x.number, x]));
    tasks = (page.items ?? []).map((x) =>
      Number(known.get(x.number)?.version ?? 0) > Number(x.version ?? 0) ? known.get(x.number) : x,
    );
    localStorage.setItem(TASKS(), JSON.stringify(tasks));
  } catch (error) {
    if (error.status !== 0) report(error);
  }
  show();
}

/** The view the address asks for: one task (#task=number), or the list. Actions never leave the task. */
function show() {
  if (location.hash === '#report') {
    showReport();
    return;
  }
  const number = current();
  if (number && tasks.some((x) => x.number === number)) showTask(number);
  else showList();
}

const typeName = (task) => named(typeInfo(task.type)) || (zh() ? task.typeZh : task.typeEn) || task.typeZh || '';
const dueLevel = (task) => Math.min(3, task.escalation ?? 0);

/** A task in the list, as a link to its own page. */
function taskCard(task) {
  const state = escape(stateName(task.state));
  return `
    <li class="card"><a class="task task-link" href="#task=${encodeURIComponent(task.number)}"
      data-number="${escape(task.number)}">
      <h2>${badge(task.priority)} ${escape(typeName(task))}</h2>
      <div>${state} · <span class="due level-${dueLevel(task)}">${countdown(task.dueAt)}</span></div>
      <div class="muted">${escape(named(streetOf(task.street)))} · ${escape(task.description)}</div>
    </a></li>`;
}

function showList() {
  $('#view').innerHTML =
    tasks.length === 0 ? `<p class="muted">${t('none')}</p>` : `<ul class="plain">${tasks.map(taskCard).join('')}</ul>`;
}

/** The state as the phone knows it: what the server said, moved on by actions still waiting to be sent. */
function stateOf(task) {
  const waiting = queue()
    .filter((i) => i.number === task.number)
    .map((i) => i.kind);
  const state = waiting.includes('submit')
    ? 'UnderReview'
    : waiting.includes('arrive')
      ? 'InProgress'
      : waiting.includes('accept')
        ? 'Accepted'
        : task.state;
  return { state, waiting };
}

/** Links that open the phone's navigation app at the task (WGS-84 coordinates, said so to each app). */
function navigation(task) {
  const at = task.location;
  if (!at) return '';
  const name = encodeURIComponent(`${named(streetOf(task.street))} ${task.description ?? ''}`.trim().slice(0, 40));
  const amap = `https://uri.amap.com/marker?position=${at.lon},${at.lat}&name=${name}&coordinate=wgs84&callnative=1`;
  const baidu = `baidumap://map/marker?location=${at.lat},${at.lon}&title=${name}&coord_type=wgs84&src=dispatch`;
  return `<div class="actions" role="group" aria-label="${t('navigate')}">
    <a class="button" href="geo:${at.lat},${at.lon}?q=${at.lat},${at.lon}">${t('navigate')} · ${t('nav.geo')}</a>
    <a class="button" href="${amap}">${t('nav.amap')}</a>
    <a class="button" href="${baidu}">${t('nav.baidu')}</a>
  </div>`;
}

function showTask(number) {
  const task = tasks.find((x) => x.number === number);
  if (!task) return showList();
  const { state, waiting } = stateOf(task);
  const rule = typeInfo(task.type) ?? {};
  const away = here && task.location ? metresBetween(here, task.location) : -1;
  const submitted = state === 'UnderReview' || state === 'Handled';
  const acceptOrReturn =
    `<button type="button" data-kind="accept">${t('accept')}</button>` +
    `<button type="button" class="secondary" data-kind="return">${t('return')}</button>`;
  const noteMark = rule.noteRequired ? ` <span class="required">*</span>` : '';
  $('#view').innerHTML = `
    <article class="card" aria-labelledby="task-title">
      <a class="button" href="#" id="back">← ${t('back')}</a>
      <h2 id="task-title">${badge(task.priority)} ${escape(typeName(task))}</h2>
      <div id="task-state">${escape(stateName(state))}${waiting.length ? ` (${t('waiting')})` : ''}</div>
      ${submitted ? `<p class="submitted" id="submitted">${t('submitted')}</p>` : ''}
      <dl class="facts">
        <dt>${t('address')}</dt><dd>${escape(named(streetOf(task.street)))} · ${escape(task.description)}</dd>
        ${away >= 0 ? `<dt>${t('distance')}</dt><dd id="distance">${distance(away)}</dd>` : ''}
        <dt>${t('deadline')}</dt><dd class="due level-${dueLevel(task)}">${countdown(task.dueAt) || '—'}</dd>
        <dt>${t('number')}</dt><dd>${escape(task.number)}</dd>
      </dl>
      ${navigation(task)}
      <div id="handover"></div>
      <div class="actions">
        ${state === 'Dispatched' ? acceptOrReturn : ''}
        ${state === 'Accepted' ? `<button type="button" data-kind="arrive">${t('arrive')}</button>` : ''}
      </div>
      <form id="return-form" hidden>
        <label>${t('return.reason')}<textarea name="reason" rows="2" required></textarea></label>
        <div class="actions"><button>${t('return')}</button><button type="button" class="secondary"
          id="return-cancel">${t('cancel')}</button></div>
      </form>
      ${
        state === 'InProgress'
          ? `<form id="result">
        <label>${rule.photoRequired ? `<span class="required">${t('photo.required')}</span>` : t('photo.optional')}
          <input type="file" name="photo" accept="image/*"
            capture="environment" ${rule.photoRequired ? 'required' : ''} aria-describedby="photo-hint"></label>
        <span id="photo-hint" class="muted">${t('photo.take')}</span>
        <img id="preview" class="preview" alt="${t('photo')}" hidden>
        <label>${t('result.note')}${noteMark}<textarea name="note" rows="3"
          ${rule.noteRequired ? 'required' : ''}></textarea></label>
        <p class="position muted" id="position" role="status"></p>
        <button id="submit">${t('submit')}</button></form>`
          : ''
      }
    </article>`;
  $('#back').addEventListener('click', (event) => {
    event.preventDefault();
    history.pushState(null, '', location.pathname);
    showList();
  });
  if (['Dispatched', 'Accepted'].includes(state)) handOverForm(task);
  for (const button of document.querySelectorAll('[data-kind]'))
    button.addEventListener('click', () => act(task, button.dataset.kind));
  const returning = $('#return-form');
  returning.addEventListener('submit', (event) => {
    event.preventDefault();
    enqueue({ kind: 'return', number: task.number, reason: new FormData(returning).get('reason') });
    showTask(task.number);
  });
  $('#return-cancel').addEventListener('click', () => {
    returning.hidden = true;
  });
  const form = $('#result');
  if (!form) return;
  const input = form.querySelector('[name=photo]');
  input.addEventListener('change', async () => {
    const file = input.files[0];
    photo = file && file.size > 0 ? await shrink(file) : null;
    $('#preview').hidden = !photo;
    if (photo) $('#preview').src = photo;
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const location = await position();
    enqueue({ kind: 'submit', number: task.number, note: data.get('note'), photo, location });
    photo = null;
    showTask(task.number);
  });
}

async function act(task, kind) {
  if (kind === 'return') {
    $('#return-form').hidden = false;
    $('#return-form textarea').focus();
    return;
  }
  const item = { kind, number: task.number };
  if (kind === 'arrive') item.location = await position();
  enqueue(item);
  showTask(task.number);
}

/**
 * The phone's own position, or null when it has none: then the page says so and sends none. Never the incident's
 * position, which would record the worker where the case is rather than where they are.
 */
function position() {
  const say = (text) => {
    const box = $('#position');
    if (box) box.textContent = text;
  };
  return new Promise((resolve) => {
    if (!navigator.geolocation) {
      toast(t('no.fix'));
      resolve(null);
      return;
    }
    say(t('fix.pending'));
    navigator.geolocation.getCurrentPosition(
      (p) => {
        here = { lat: p.coords.latitude, lon: p.coords.longitude };
        say(t('fix.ok'));
        resolve({ ...here, accuracy: p.coords.accuracy });
      },
      () => {
        toast(t('no.fix'));
        say(t('no.fix'));
        resolve(null);
      },
      { timeout: 8000, maximumAge: 30000, enableHighAccuracy: true },
    );
  });
}

/** A photo made small enough to queue on the phone and send on a weak network (≤ 1280 px, JPEG). */
async function shrink(file) {
  const bitmap = await createImageBitmap(file).catch(() => null);
  if (!bitmap) return null;
  const scale = Math.min(1, 1280 / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/jpeg', 0.8);
}

function enqueue(item) {
  try {
    saveQueue([...queue(), { ...item, commandId: id() }]);
  } catch {
    // The phone's storage is full (photos are large): say so rather than lose the action without a word.
    toast(t('storage.full'), 'error');
    return;
  }
  flush();
}

/** The position as the API takes it (GeoPoint: lat and lon; the accuracy waits for the duty roster's field). */
const geoPoint = (at) => (at ? { lat: at.lat, lon: at.lon } : undefined);

/** Sends what waits: photos first (the same photo gets the same id), then every command in one replay. */
async function flush() {
  if (flushing || !navigator.onLine) {
    connection(navigator.onLine ? 'ok' : 'offline');
    return;
  }
  flushing = true;
  try {
    for (const item of queue().filter((i) => i.kind === 'submit' && i.photo && !i.photoId)) {
      try {
        const evidence = await call('POST', `/api/v1/tasks/${encodeURIComponent(item.number)}/evidence`, {
          contentType: 'image/jpeg',
          content: item.photo.split(',')[1],
          fileName: 'photo.jpg',
        });
        // Re-read the queue: actions queued during the upload must not be overwritten.
        saveQueue(queue().map((i) => (i.commandId === item.commandId ? { ...i, photoId: evidence.id } : i)));
      } catch (error) {
        if (error.status === 0 || error.status >= 500) throw error;
        // Refused for good (no longer this worker's task, say): drop it and say so, rather than block the rest.
        saveQueue(queue().filter((i) => i.commandId !== item.commandId));
        report(error);
      }
    }
    const items = queue().filter((i) => !(i.kind === 'submit' && i.photo && !i.photoId));
    if (items.length === 0) return;
    const commands = items.map(
      (i) =>
        ({
          accept: { number: i.number, commandId: i.commandId },
          return: { number: i.number, commandId: i.commandId, reason: i.reason },
          arrive: { number: i.number, commandId: i.commandId, location: geoPoint(i.location) },
          submit: {
            number: i.number,
            commandId: i.commandId,
            note: i.note,
            evidence: i.photoId ? [i.photoId] : [],
            location: geoPoint(i.location),
          },
        })[i.kind],
    );
    const reply = await call('POST', '/api/v1/tasks:replay', {
      commands: commands.map((c, k) => ({ [items[k].kind]: c })),
    });
    const refused = (reply.results ?? []).filter((r) => !r.ok);
    for (const r of (reply.results ?? []).filter((x) => x.ok && x.reply)) {
      const task = tasks.find((x) => x.number === r.number);
      if (task && Number(r.reply.lastSeq ?? 0) > Number(task.version ?? 0))
        Object.assign(task, { state: r.reply.state, version: Number(r.reply.lastSeq) });
    }
    // Applied or refused, a command has had its answer; only a lost connection leaves it waiting.
    const answered = new Set((reply.results ?? []).map((r) => r.commandId));
    saveQueue(queue().filter((i) => !answered.has(i.commandId)));
    connection('ok');
    if (refused.length)
      toast(
        `${t('sync.failed')}: ${refused.map((r) => labelled('number', r.number.slice(-6))).join(zh() ? '；' : '; ')}`,
        'error',
      );
    else toast(t('synced'));
    await loadTasks();
  } catch (error) {
    if (error instanceof ApiError && error.status === 0) connection('offline');
    else report(error);
  } finally {
    flushing = false;
    // Whatever is still waiting (queued meanwhile, or met a passing outage) is tried again shortly.
    clearTimeout(flush.timer);
    if (queue().length > 0) flush.timer = setTimeout(flush, 5000);
  }
}

/** The phone's position for the distance shown on a task, quietly: no fix, no distance. */
function locate() {
  navigator.geolocation?.getCurrentPosition(
    (p) => {
      here = { lat: p.coords.latitude, lon: p.coords.longitude };
      if (current() && !$('#result')?.contains(document.activeElement)) show();
    },
    () => {},
    { timeout: 8000, maximumAge: 60000 },
  );
}

boot(async (user) => {
  tasks = JSON.parse(localStorage.getItem(TASKS()) || '[]');
  languageSwitch(() => {
    show();
    drawDuty();
    inbox?.relabel();
  });
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/field/sw.js').catch(() => {});
  window.addEventListener('online', () => {
    connection('ok');
    flush();
  });
  window.addEventListener('offline', () => connection('offline'));
  window.addEventListener('hashchange', () => {
    show();
    if (current()) locate();
  });
  $('#report-open').addEventListener('click', () => {
    location.hash = 'report';
  });
  connection(navigator.onLine ? 'ok' : 'offline');
  showPending();
  show();
  reference = await loadReference().catch(() => reference);
  show();
  // The person's notices, live; one opens its task here.
  inbox = startInbox({ href: (number) => `/field/#task=${encodeURIComponent(number)}`, open: openTask });
  await loadTasks();
  if (current()) locate();
  startDuty(user);
  // New tasks appear without a reload: the stream carries every change of the incidents this person may see.
  watch({}, onChange, loadTasks);
  await flush();
});

/** Opens a task by its number (from the inbox, or a system notification clicked). */
function openTask(number) {
  const hash = `#task=${encodeURIComponent(number)}`;
  if (location.hash === hash) show();
  else location.hash = hash;
}

const DONE = ['Closed', 'Dismissed', 'Merged'];

/** Whether a task is this person's: given to them, or (unit staff) to their unit. */
function mine(i) {
  const me = session.user;
  if ((i.workers ?? []).includes(me.userId)) return true;
  return me.role === 'UnitStaff' && !!me.unit && (i.leadUnit === me.unit || (i.coUnits ?? []).includes(me.unit));
}

function onChange(change) {
  const i = change.incident;
  if (!i) return;
  const at = tasks.findIndex((x) => x.number === i.number);
  const keep = mine(i) && !DONE.includes(i.state);
  if (at >= 0 && Number(tasks[at].version ?? 0) > Number(i.version ?? 0)) return;
  if (keep && at < 0) {
    tasks = [i, ...tasks];
    toast(tf('new.task', { what: typeName(i) }));
  } else if (keep) {
    tasks[at] = i;
  } else if (at >= 0) {
    tasks.splice(at, 1);
  } else {
    return;
  }
  localStorage.setItem(TASKS(), JSON.stringify(tasks));
  // The task being worked on is redrawn only when nobody is typing in its form.
  if (!current()) showList();
  else if (current() === i.number && !document.querySelector('#view form')?.contains(document.activeElement)) show();
}

// ---- Duty: status, and the phone's own position every few seconds while on duty (Roster.ReportDuty) ----

const STATUSES = ['OnDutyFree', 'Busy', 'OffDuty'];
const SEND_EVERY_MS = 5000;
let duty = null;
let fix = null;
let watching = null;
let sender = 0;

function startDuty(user) {
  if (!['Worker', 'UnitStaff'].includes(user.role)) return;
  $('#duty').hidden = false;
  $('#duty').addEventListener('click', (event) => {
    const button = event.target.closest('[data-status]');
    if (button) setStatus(button.dataset.status);
  });
  setStatus('');
}

async function setStatus(status) {
  try {
    duty = await call('POST', '/api/v1/me/duty', status ? { status } : {});
  } catch (error) {
    if (error.status !== 0) report(error);
  }
  drawDuty();
  follow();
}

/**
 * Watches the phone's position while on duty; sends it with its accuracy every few seconds,
 * or nothing without a fix.
 */
function follow() {
  const onDuty = duty && duty.status !== 'OffDuty';
  if (!onDuty) {
    if (watching !== null) navigator.geolocation?.clearWatch(watching);
    watching = null;
    clearInterval(sender);
    sender = 0;
    fix = null;
    drawDuty();
    return;
  }
  if (watching === null && navigator.geolocation) {
    watching = navigator.geolocation.watchPosition(
      (p) => {
        fix = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy, at: Date.now() };
        here = fix;
        drawDuty();
      },
      () => {
        fix = null;
        drawDuty();
      },
      { enableHighAccuracy: true, maximumAge: 10000, timeout: 15000 },
    );
  }
  if (!sender) sender = setInterval(sendPosition, SEND_EVERY_MS);
  sendPosition();
}

async function sendPosition() {
  if (!fix || Date.now() - fix.at > 60000 || !navigator.onLine) {
    drawDuty();
    return;
  }
  try {
    duty = await call('POST', '/api/v1/me/duty', { position: { lat: fix.lat, lon: fix.lon }, accuracyM: fix.accuracy });
    fix.sentAt = Date.now();
  } catch {
    /* the next round tries again */
  }
  drawDuty();
}

function drawDuty() {
  const box = $('#duty');
  if (box.hidden) return;
  const status = duty?.status ?? '';
  const fixWords =
    status === 'OffDuty' || !duty
      ? t('duty.off.none')
      : fix
        ? tf('duty.fix', { m: Math.round(fix.accuracy) })
        : t('duty.no.fix');
  const button = (s) => `<button type="button" data-status="${s}" aria-pressed="${s === status}"
    class="${s === status ? '' : 'secondary'}">${escape(labelOf('worker', s))}</button>`;
  const buttons = STATUSES.map(button).join('');
  box.innerHTML = `<div role="group" aria-label="${t('duty.status')}" class="statuses">${buttons}</div>
    <p class="muted" id="duty-fix" data-fix="${fix ? 'yes' : 'no'}" role="status">${escape(fixWords)}</p>`;
}

// ---- A grid worker's own report: type, what is seen, photo and the phone's own position ----

let reportPhoto = null;

function showReport() {
  const types = (reference?.scenarios ?? [])
    .map(
      (s) =>
        `<optgroup label="${escape(named(s))}">${s.types
          .map((x) => `<option value="${escape(x.code)}">${escape(named(x))}</option>`)
          .join('')}</optgroup>`,
    )
    .join('');
  $('#view').innerHTML = `<article class="card" aria-labelledby="report-title">
    <a class="button" href="#" id="back">← ${t('back')}</a>
    <h2 id="report-title">${t('report.new')}</h2>
    <form id="field-report">
      <label>${t('type')}<select name="type" required>${types}</select></label>
      <label>${t('description')}<textarea name="description" rows="3"></textarea></label>
      <label><span class="required">${t('photo.required')}</span>
        <input type="file" name="photo" accept="image/*"
          capture="environment" required aria-describedby="report-photo-hint"></label>
      <span id="report-photo-hint" class="muted">${t('photo.take')}</span>
      <img id="report-preview" class="preview" alt="${t('photo')}" hidden>
      <p class="position muted" id="position" role="status">${t('report.position')}</p>
      <button id="report-submit">${t('report.send')}</button>
    </form></article>`;
  $('#back').addEventListener('click', (event) => {
    event.preventDefault();
    history.pushState(null, '', location.pathname);
    showList();
  });
  const form = $('#field-report');
  form.photo.addEventListener('change', async () => {
    const file = form.photo.files[0];
    reportPhoto = file && file.size > 0 ? await shrink(file) : null;
    $('#report-preview').hidden = !reportPhoto;
    if (reportPhoto) $('#report-preview').src = reportPhoto;
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!reportPhoto) {
      toast(t('photo.required'), 'error');
      return;
    }
    const at = await position();
    if (!at) return; // position() has said there is no fix; a report needs the worker's own position
    const data = new FormData(form);
    $('#report-submit').disabled = true;
    try {
      const reply = await call('POST', '/api/v1/me/reports', {
        commandId: (form.dataset.commandId ||= id()),
        type: data.get('type'),
        description: data.get('description'),
        location: { lat: at.lat, lon: at.lon },
        accuracyM: at.accuracy,
        photo: reportPhoto.split(',')[1],
        photoContentType: 'image/jpeg',
      });
      reportPhoto = null;
      const done = escape(tf('report.done', { number: reply.number }));
      $('#view').innerHTML = `<article class="card"><p class="submitted" id="reported">${done}</p>
        <a class="button" href="#">← ${t('back')}</a></article>`;
    } catch (error) {
      $('#report-submit').disabled = false;
      report(error);
    }
  });
}

// ---- Unit staff give a task to a person of their unit (Field.HandOver) ----

async function handOverForm(task) {
  const me = session.user;
  const box = $('#handover');
  if (!box || me.role !== 'UnitStaff' || !me.unit) return;
  try {
    const roster = await call('GET', `/api/v1/roster/${encodeURIComponent(me.unit)}`);
    const people = (roster.staff ?? []).filter((p) => p.userId !== me.userId);
    box.innerHTML = `<form id="handover-form"><label>${t('handover.to')}<select name="worker" required>${people
      .map(
        (p) =>
          `<option value="${escape(p.userId)}">${escape(p.name)} · ${escape(labelOf('staffRole', p.role))}</option>`,
      )
      .join('')}</select></label>
      <button>${t('handover')}</button></form>`;
    $('#handover-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        await call('POST', `/api/v1/tasks/${encodeURIComponent(task.number)}:handover`, {
          commandId: id(),
          worker: new FormData(event.target).get('worker'),
          reason: t('handover.reason'),
        });
        toast(t('handover.done'));
        await loadTasks();
      } catch (error) {
        report(error);
      }
    });
  } catch {
    box.innerHTML = '';
  }
}
