// The field page works offline: its shell comes from this cache when the network is gone, so a reload on a
// street without signal still shows the tasks and the actions waiting to be sent. API calls always go to the network.
// The worker also shows the page's system notifications (a phone's browser shows them no other way) and opens the
// incident when one is clicked.
const CACHE = 'dispatch-field-v4';
const SHELL = [
  '/field/',
  '/js/common.js',
  '/js/labels.js',
  '/js/inbox.js',
  '/js/field.js',
  '/css/app.css',
  '/favicon.svg',
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.pathname.startsWith('/api/')) return;
  const key = url.pathname === '/field/index.html' ? '/field/' : url.pathname;
  // Network first, so a new version shows when online; the cache when offline.
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok && SHELL.includes(key)) caches.open(CACHE).then((cache) => cache.put(key, response.clone()));
        return response;
      })
      .catch(() => caches.match(key)),
  );
});

// A notification clicked: the field page already open is focused and asked to open the incident (no reload, so
// nothing typed into a form is lost); with none open, the incident's address is opened.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const { incident, url } = event.notification.data ?? {};
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(async (windows) => {
      const page = windows.find((w) => new URL(w.url).pathname.startsWith('/field/'));
      if (!page) return self.clients.openWindow(url ?? '/field/');
      const focused = await page.focus().catch(() => page);
      if (incident) focused.postMessage({ kind: 'open-incident', incident });
      return undefined;
    }),
  );
});
