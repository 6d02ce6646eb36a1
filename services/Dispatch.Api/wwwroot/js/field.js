import { boot, call, t, languageSwitch, toast, report, escape, countdown, stateName, id, connection, lang, ApiError, session } from './common.js';

// Every action goes through one queue kept in localStorage: it survives a reload and a dead battery's restart,
// and is replayed (ReplayQueued, each command at most once by its id) whenever the network is there.
// Kept per user, so that someone else signing in on the same phone neither sees nor sends them.
const QUEUE = () => `dispatch.field.queue.${session.user?.userId}`;
const TASKS = () => `dispatch.field.tasks.${session.user?.userId}`;
const $ = (selector) => document.querySelector(selector);
const queue = () => JSON.parse(localStorage.getItem(QUEUE()) || '[]');
const saveQueue = (items) => { localStorage.setItem(QUEUE(), JSON.stringify(items)); showPending(); };
let tasks = [];
let flushing = false;

function showPending() {
  const items = queue();
  $('#pending').innerHTML = items.length === 0 ? '' : `<div class="card pending" id="waiting">
    <b>${t('waiting')}: <span id="waiting-count">${items.length}</span></b>
    <ul>${items.map((i) => `<li>${escape(i.number.slice(-6))} · ${t(i.kind)}${i.photo ? ` (${t('photo')})` : ''}${i.error ? ` · <span class="overdue">${escape(i.error)}</span>` : ''}</li>`).join('')}</ul></div>`;
}

async function loadTasks() {
  try {
    const page = await call('GET', '/api/v1/tasks?pageSize=100');
    // The list comes from the read model, which may not have caught up with what this phone just did.
    const known = new Map(tasks.map((x) => [x.number, x]));
    tasks = (page.items ?? []).map((x) => (Number(known.get(x.number)?.version ?? 0) > Number(x.version ?? 0) ? known.get(x.number) : x));
    localStorage.setItem(TASKS(), JSON.stringify(tasks));
  } catch (error) {
    if (error.status !== 0) report(error);
  }
  showList();
}

function showList() {
  $('#view').innerHTML = tasks.length === 0 ? `<p class="muted">${t('none')}</p>` : tasks.map((task) => `
    <div class="card task" data-number="${task.number}">
      <h3><span class="badge ${task.priority}">${task.priority}</span> ${escape(lang() === 'zh-CN' ? task.typeZh : task.typeEn)}</h3>
      <div>${escape(stateName(task.state))} · <span class="${task.escalation >= 2 ? 'overdue' : 'muted'}">${countdown(task.dueAt)}</span></div>
      <div class="muted">${escape(task.number)} · ${escape(task.description)}</div>
    </div>`).join('');
  for (const card of document.querySelectorAll('.task')) card.onclick = () => showTask(card.dataset.number);
}

function showTask(number) {
  const task = tasks.find((x) => x.number === number);
  if (!task) return showList();
  const waiting = queue().filter((i) => i.number === number).map((i) => i.kind);
  const state = waiting.includes('submit') ? 'UnderReview' : waiting.includes('arrive') ? 'InProgress' : waiting.includes('accept') ? 'Accepted' : task.state;
  $('#view').innerHTML = `
    <div class="card">
      <button class="secondary" id="back">← ${t('back')}</button>
      <h3><span class="badge ${task.priority}">${task.priority}</span> ${escape(lang() === 'zh-CN' ? task.typeZh : task.typeEn)}</h3>
      <div id="task-state">${escape(stateName(state))}${waiting.length ? ` (${t('waiting')})` : ''}</div>
      <p>${escape(task.description)}</p>
      <div class="muted">${escape(task.number)} · ${countdown(task.dueAt)}</div>
      <div class="actions">
        ${state === 'Dispatched' ? `<button data-kind="accept">${t('accept')}</button><button class="secondary" data-kind="return">${t('return')}</button>` : ''}
        ${state === 'Accepted' ? `<button data-kind="arrive">${t('arrive')}</button>` : ''}
      </div>
      ${state === 'InProgress' ? `<form id="result">
        <label>${t('photo')}<br><input type="file" name="photo" accept="image/*" capture="environment"></label><br>
        <label>${t('comment')}<br><textarea name="note" rows="3" style="width:100%"></textarea></label><br>
        <button id="submit">${t('submit')}</button></form>` : ''}
    </div>`;
  $('#back').onclick = showList;
  for (const button of document.querySelectorAll('[data-kind]')) button.onclick = () => act(task, button.dataset.kind);
  const form = $('#result');
  if (form) form.onsubmit = async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const file = data.get('photo');
    const photo = file && file.size > 0 ? await shrink(file) : null;
    enqueue({ kind: 'submit', number: task.number, note: data.get('note'), photo, location: task.location ?? null });
    showTask(task.number);
  };
}

async function act(task, kind) {
  const item = { kind, number: task.number };
  if (kind === 'return') {
    const reason = prompt(t('reason'));
    if (!reason) return;
    item.reason = reason;
  }
  if (kind === 'arrive') item.location = await position(task);
  enqueue(item);
  showTask(task.number);
}

/** The phone's position, or the incident's when the phone will not say. */
function position(task) {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(task.location ?? null);
    navigator.geolocation.getCurrentPosition((p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude }), () => resolve(task.location ?? null), { timeout: 3000 });
  });
}

/** A photo made small enough to queue on the phone and send on a weak network (≤ 1280 px, JPEG). */
async function shrink(file) {
  const bitmap = await createImageBitmap(file).catch(() => null);
  if (!bitmap) return null;
  const scale = Math.min(1, 1280 / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/jpeg', 0.8);
}

function enqueue(item) {
  try {
    saveQueue([...queue(), { ...item, commandId: id() }]);
  } catch {
    // The phone's storage is full (photos are large): say so rather than lose the action without a word.
    toast(lang() === 'zh-CN' ? '手机存储已满，操作未能保存，请联网后重试。' : 'The phone\'s storage is full; the action was not saved. Try again online.', 'error');
    return;
  }
  flush();
}

/** Sends what waits: photos first (the same photo gets the same id), then every command in one replay. */
async function flush() {
  if (flushing || !navigator.onLine) { connection(navigator.onLine ? 'ok' : 'offline'); return; }
  flushing = true;
  try {
    for (const item of queue().filter((i) => i.kind === 'submit' && i.photo && !i.photoId)) {
      try {
        const evidence = await call('POST', `/api/v1/tasks/${encodeURIComponent(item.number)}/evidence`, {
          contentType: 'image/jpeg', content: item.photo.split(',')[1], fileName: 'photo.jpg',
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
    const commands = items.map((i) => ({
      accept: { number: i.number, commandId: i.commandId },
      return: { number: i.number, commandId: i.commandId, reason: i.reason },
      arrive: { number: i.number, commandId: i.commandId, location: i.location ?? undefined },
      submit: { number: i.number, commandId: i.commandId, note: i.note, evidence: i.photoId ? [i.photoId] : [], location: i.location ?? undefined },
    }[i.kind]));
    const reply = await call('POST', '/api/v1/tasks:replay', { commands: commands.map((c, k) => ({ [items[k].kind]: c })) });
    const refused = (reply.results ?? []).filter((r) => !r.ok);
    for (const r of (reply.results ?? []).filter((x) => x.ok && x.reply)) {
      const task = tasks.find((x) => x.number === r.number);
      if (task && Number(r.reply.lastSeq ?? 0) > Number(task.version ?? 0)) Object.assign(task, { state: r.reply.state, version: Number(r.reply.lastSeq) });
    }
    // Applied or refused, a command has had its answer; only a lost connection leaves it waiting.
    const answered = new Set((reply.results ?? []).map((r) => r.commandId));
    saveQueue(queue().filter((i) => !answered.has(i.commandId)));
    connection('ok');
    if (refused.length) toast(`${t('sync.failed')}: ${refused.map((r) => r.error).join('; ')}`, 'error');
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

boot(async () => {
  tasks = JSON.parse(localStorage.getItem(TASKS()) || '[]');
  languageSwitch(() => showList());
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/field/sw.js').catch(() => {});
  window.addEventListener('online', () => { connection('ok'); flush(); });
  window.addEventListener('offline', () => connection('offline'));
  connection(navigator.onLine ? 'ok' : 'offline');
  showPending();
  showList();
  await loadTasks();
  await flush();
});
