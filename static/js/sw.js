/* Lumina Host service worker, served at /sw.js by gallery.views.service_worker, which
   puts `self.LUMINA = {version, shell, offline}` in front of this file.
   - The shell (styles, scripts, icons, the offline page) is cached on install.
   - Pages: network first; the last copy of each gallery page is kept for offline use.
   - Renditions (/r/...): cache first, the most recent few hundred are kept, so the
     gallery opens offline with the thumbnails that were seen.
   - Everything else (the API, uploads, admin, sign-in) goes to the network untouched.
   Signing out (or a signed-out page) clears the pages and thumbnails. */
'use strict';
const CONFIG = self.LUMINA || { version: 'dev', shell: [], offline: '/offline/' };
const SHELL = 'lumina-shell-' + CONFIG.version;
const PAGES = 'lumina-pages-v1';
const THUMBS = 'lumina-thumbs-v1';
const MAX_THUMBS = 400;
const MAX_PAGES = 20;
const PAGE_PATHS = /^\/(?:$|trash\/|assets\/\d+\/|upload\/)/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(SHELL)
      .then((cache) => cache.addAll(CONFIG.shell.concat([CONFIG.offline])))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys
        .filter((key) => key.indexOf('lumina-shell-') === 0 && key !== SHELL)
        .map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'logout') {
    event.waitUntil(Promise.all([caches.delete(PAGES), caches.delete(THUMBS)]));
  }
});

async function trim(name, max) {
  const cache = await caches.open(name);
  const keys = await cache.keys();
  // Oldest first (insertion order): drop what is over the limit.
  await Promise.all(keys.slice(0, Math.max(0, keys.length - max)).map((key) => cache.delete(key)));
}

async function rendition(request) {
  const cache = await caches.open(THUMBS);
  // The path names asset, size and format; the query only carries the signature.
  const hit = await cache.match(request, { ignoreSearch: true, ignoreVary: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && response.status === 200) {
    await cache.put(request, response.clone());
    trim(THUMBS, MAX_THUMBS);
  }
  return response;
}

const SHELL_PATHS = new Set(CONFIG.shell);
const STATIC = 'lumina-static-v1';

// The shell's own files: cache first (their URLs, or the worker's version, change with
// their content). Other apps' static files: network first, the last copy for offline.
async function staticFile(request, path) {
  if (SHELL_PATHS.has(path)) {
    const hit = await caches.match(request);
    if (hit) return hit;
  }
  const cache = await caches.open(STATIC);
  try {
    const response = await fetch(request);
    if (response.ok && response.status === 200) {
      await cache.put(request, response.clone());
      trim(STATIC, 200);
    }
    return response;
  } catch (error) {
    return (await caches.match(request)) || Response.error();
  }
}

async function page(request) {
  const cache = await caches.open(PAGES);
  try {
    const response = await fetch(request);
    if (response.ok && response.status === 200 && !response.redirected) {
      await cache.put(request, response.clone());
      trim(PAGES, MAX_PAGES);
    }
    return response;
  } catch (error) {
    const copy = (await cache.match(request)) || (await cache.match(request, { ignoreSearch: true }));
    if (copy) return copy;
    return (await caches.match(CONFIG.offline)) || Response.error();
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf('/r/') === 0) {
    event.respondWith(rendition(request));
  } else if (url.pathname.indexOf('/static/') === 0) {
    event.respondWith(staticFile(request, url.pathname));
  } else if (request.mode === 'navigate' && PAGE_PATHS.test(url.pathname)) {
    event.respondWith(page(request));
  } else if (request.mode === 'navigate') {
    event.respondWith(fetch(request).catch(() => caches.match(CONFIG.offline).then((r) => r || Response.error())));
  }
});
