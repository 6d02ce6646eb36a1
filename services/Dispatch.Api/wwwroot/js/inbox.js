// The inbox (通知) of every signed-in page: a bell in the header with the unread count, and a panel of the person's
// notices, newest first: the words in the page's language, the incident as a link that opens it on this page, when
// it arrived, how urgent it is and whether it asks for acknowledgement (确认收到), with "mark all read". The
// notices stream live (WatchMyNotifications). A high or critical notice that arrives while the page is in the
// background also shows as a system notification, if the person allowed them: the panel offers to ask, the page
// never asks unasked.
import { call, t, tf, zh, lang, escape, when, labelOf, report, follow, translate } from './common.js';

const PAGE_SIZE = 50;
/** The urgencies that raise a system notification while the page is in the background. */
const SYSTEM = new Set(['High', 'Critical']);
const MOST_SHOWN = 99;

const BELL =
  '<svg aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="20" height="20"><path fill="currentColor" ' +
  'd="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6v-5a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66' +
  'A7 7 0 0 0 5 11v5l-2 2v1h18v-1z"/></svg>';

const $ = (id) => document.getElementById(id);

/** A notice's words in the page's language (the server writes both). */
export const words = (n) => (zh() ? n.titleZh : n.titleEn) || n.titleZh || n.titleEn || labelOf('topic', n.topic);

/**
 * Puts the bell in the page's header and keeps the inbox live. href(number) is the address of the incident on this
 * page, open(number) opens it there. Answers relabel(), for the page's language switch.
 */
export function startInbox({ href, open }) {
  let items = [];
  let unread = 0;
  let next = '';
  let loads = 0;
  let loading = false;
  let arrivedWhileLoading = [];
  mount();

  const bell = $('bell');
  const panel = $('inbox');
  const list = $('inbox-list');

  /** Takes in a notice as the server sent it; read and acknowledged never go back, whatever order answers come in. */
  function put(n) {
    const at = items.findIndex((x) => x.id === n.id);
    if (at < 0) {
      items.push(n);
      items.sort((a, b) => Date.parse(b.deliveredTime ?? 0) - Date.parse(a.deliveredTime ?? 0));
      return;
    }
    const old = items[at];
    items[at] = { ...old, ...n, read: old.read || n.read, acknowledged: old.acknowledged || n.acknowledged };
  }

  function row(n) {
    const urgency = n.urgency || 'Normal';
    const waiting = n.needsAcknowledgement && !n.acknowledged;
    const head = [
      `<span class="urgency ${escape(urgency)}">${escape(labelOf('urgency', urgency))}</span>`,
      waiting ? `<span class="needs-ack">${t('inbox.needs.ack')}</span>` : '',
      n.read ? '' : `<span class="unread-mark">${t('inbox.unread.mark')}</span>`,
      `<time datetime="${escape(n.deliveredTime ?? '')}">${escape(when(n.deliveredTime))}</time>`,
    ].join(' ');
    const link =
      `<a href="${escape(href(n.incident))}" data-open="${escape(n.incident)}" data-id="${escape(n.id)}">` +
      `${t('inbox.case')} ${escape(n.incident)}</a>`;
    const answer = n.acknowledged
      ? `<span class="acked">${t('inbox.acked')}</span>`
      : waiting
        ? `<button type="button" data-ack="${escape(n.id)}">${t('inbox.ack')}</button>`
        : '';
    return (
      `<li class="notice${n.read ? '' : ' unread'}" data-id="${escape(n.id)}" data-incident="${escape(n.incident)}" ` +
      `data-topic="${escape(n.topic)}" data-urgency="${escape(urgency)}">` +
      `<div class="notice-head">${head}</div><p class="notice-title">${escape(words(n))}</p>` +
      `<div class="notice-foot">${link}${answer}</div></li>`
    );
  }

  function draw() {
    const count = $('bell-count');
    count.hidden = unread === 0;
    count.textContent = unread > MOST_SHOWN ? `${MOST_SHOWN}+` : String(unread);
    bell.setAttribute('aria-label', unread ? tf('inbox.unread', { n: unread }) : t('inbox'));
    bell.dataset.unread = String(unread);
    $('inbox-read-all').disabled = unread === 0;
    $('inbox-more').hidden = !next;
    // Redrawn whole; the control that had the focus gets it back.
    const focused = list.contains(document.activeElement) ? document.activeElement : null;
    const again = focused?.dataset.ack
      ? `[data-ack="${focused.dataset.ack}"]`
      : focused?.dataset.open
        ? `[data-open][data-id="${focused.dataset.id}"]`
        : '';
    list.innerHTML = items.length ? items.map(row).join('') : `<li class="muted">${t('inbox.empty')}</li>`;
    if (again) (list.querySelector(again) ?? list.querySelector('button, a'))?.focus();
  }

  /** Whether system notifications are on, and the button that asks for them while the browser has not been told. */
  function drawSystem() {
    const box = $('inbox-system');
    if (!('Notification' in window)) {
      box.replaceChildren();
      return;
    }
    const permission = Notification.permission;
    box.innerHTML =
      permission === 'granted'
        ? `<span class="muted">${t('inbox.system.on')}</span>`
        : permission === 'denied'
          ? `<span class="muted">${t('inbox.system.denied')}</span>`
          : `<button type="button" id="inbox-system-enable" class="secondary">${t('inbox.system.enable')}</button>`;
  }

  /** The first page of the list afresh; notices that stream in meanwhile are kept. */
  async function load() {
    const seq = ++loads;
    loading = true;
    arrivedWhileLoading = [];
    try {
      const page = await call('GET', `/api/v1/notifications?pageSize=${PAGE_SIZE}`);
      if (seq !== loads) return;
      items = [];
      for (const n of [...(page.items ?? []), ...arrivedWhileLoading]) put(n);
      unread = page.unreadCount ?? 0;
      next = page.nextPageToken ?? '';
      draw();
    } catch (error) {
      if (error.status !== 0) report(error);
    } finally {
      if (seq === loads) loading = false;
    }
  }

  async function more() {
    if (!next) return;
    try {
      const page = await call(
        'GET',
        `/api/v1/notifications?pageSize=${PAGE_SIZE}&pageToken=${encodeURIComponent(next)}`,
      );
      for (const n of page.items ?? []) put(n);
      next = page.nextPageToken ?? '';
      draw();
    } catch (error) {
      report(error);
    }
  }

  /** One message of the live inbox: the snapshot (then the list is loaded), a notice added, or one changed. */
  function onMessage(message) {
    unread = message.unreadCount ?? 0;
    if (message.kind === 'snapshot') {
      // Asked after the stream is open, so that nothing falls between the list and the stream.
      bell.dataset.live = 'true';
      load();
      draw();
      return;
    }
    const n = message.notification;
    if (n) {
      put(n);
      if (loading) arrivedWhileLoading.push(n);
    }
    draw();
    if (message.kind === 'added' && n && !n.read) notifySystem(n);
  }

  /** A system notification of an urgent notice, only while the page is in the background and only if allowed. */
  function notifySystem(n) {
    if (!SYSTEM.has(n.urgency) || document.visibilityState !== 'hidden') return;
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    const body = tf('inbox.system.body', { urgency: labelOf('urgency', n.urgency), number: n.incident });
    const options = {
      body,
      tag: n.id,
      lang: lang(),
      icon: '/favicon.svg',
      requireInteraction: n.urgency === 'Critical',
      data: { incident: n.incident, url: new URL(href(n.incident), location.href).href },
    };
    // Through the page's service worker where it has one (a phone's browser shows them no other way; its
    // notificationclick opens the incident), else the page's own.
    (navigator.serviceWorker?.getRegistration() ?? Promise.resolve(undefined))
      .catch(() => undefined)
      .then((registration) => {
        if (registration?.active) return registration.showNotification(words(n), options);
        const shown = new Notification(words(n), options);
        shown.addEventListener('click', () => {
          window.focus();
          shown.close();
          open(n.incident);
        });
        return undefined;
      })
      .catch(() => {
        /* the browser refused to show it: the bell still counts it */
      });
  }

  async function acknowledge(id) {
    try {
      const reply = await call('POST', `/api/v1/notifications/${encodeURIComponent(id)}:acknowledge`, {});
      if (reply.notification) put(reply.notification);
      unread = reply.unreadCount ?? 0;
      draw();
    } catch (error) {
      report(error);
    }
  }

  async function markRead(body, ids) {
    try {
      const reply = await call('POST', '/api/v1/notifications:markRead', body);
      items = items.map((n) => (ids.has(n.id) ? { ...n, read: true } : n));
      unread = reply.unreadCount ?? 0;
      draw();
    } catch (error) {
      report(error);
    }
  }

  bell.addEventListener('click', () => {
    drawSystem();
    draw();
    panel.showModal();
  });
  $('inbox-close').addEventListener('click', () => panel.close());
  // A click on the backdrop (the dialog element itself, outside its content) closes the panel.
  panel.addEventListener('click', (event) => {
    if (event.target === panel) panel.close();
  });
  $('inbox-read-all').addEventListener('click', () =>
    markRead({ all: true }, new Set(items.filter((n) => !n.read).map((n) => n.id))),
  );
  $('inbox-more').addEventListener('click', more);
  $('inbox-system').addEventListener('click', (event) => {
    if (!event.target.closest('#inbox-system-enable')) return;
    Notification.requestPermission().then(drawSystem, drawSystem);
  });
  list.addEventListener('click', (event) => {
    const ack = event.target.closest('[data-ack]');
    if (ack) {
      ack.disabled = true;
      acknowledge(ack.dataset.ack);
      return;
    }
    const link = event.target.closest('a[data-open]');
    if (!link) return;
    event.preventDefault();
    const n = items.find((x) => x.id === link.dataset.id);
    if (n && !n.read) markRead({ ids: [n.id] }, new Set([n.id]));
    panel.close();
    open(link.dataset.open);
  });
  // A system notification clicked: the service worker has focused this page and asks it to open the incident.
  navigator.serviceWorker?.addEventListener('message', (event) => {
    if (event.data?.kind === 'open-incident' && event.data.incident) open(event.data.incident);
  });
  navigator.serviceWorker?.startMessages?.();

  draw();
  follow('/api/v1/notifications:watch', {}, onMessage, load, { banner: false });
  return {
    relabel() {
      drawSystem();
      draw();
    },
  };
}

/** The bell before the language switch, and the panel (a modal dialog), both in the page's words. */
function mount() {
  const bell = document.createElement('button');
  bell.type = 'button';
  bell.id = 'bell';
  bell.className = 'bell secondary';
  bell.setAttribute('aria-haspopup', 'dialog');
  bell.setAttribute('aria-controls', 'inbox');
  bell.innerHTML = `${BELL}<span id="bell-count" class="count" hidden></span>`;
  const header = document.querySelector('#app header');
  header.insertBefore(bell, $('lang'));
  const panel = document.createElement('dialog');
  panel.id = 'inbox';
  panel.className = 'inbox';
  panel.setAttribute('aria-labelledby', 'inbox-title');
  panel.innerHTML = `<div class="inbox-body">
    <div class="inbox-head"><h2 id="inbox-title" data-i18n="inbox.title"></h2>
      <button type="button" id="inbox-close" class="secondary" data-i18n="inbox.close"></button></div>
    <div class="inbox-tools"><button type="button" id="inbox-read-all" class="secondary"
      data-i18n="inbox.read.all"></button><span id="inbox-system"></span></div>
    <ol id="inbox-list" class="notices"></ol>
    <button type="button" id="inbox-more" class="secondary" data-i18n="load.more" hidden></button>
  </div>`;
  document.body.appendChild(panel);
  translate(panel);
}
