// The till's service worker (PO-8), served at /caisse/sw.js with TILL_HOME, TILL_PRECACHE and
// TILL_VERSION written before this text (modules/pos/views_sell.py). It keeps the till page,
// its scripts and styles and the catalogue, so that the till opens and sells without network
// or server. Network first (fresh prices and seats when the server is there), the cached copy
// when it is not. The ticket queue is not here: it lives in IndexedDB (idb.js, till.js).
/* global TILL_HOME, TILL_PRECACHE, TILL_VERSION */
"use strict";
const CACHE = `ponton-till-${TILL_VERSION}`;
// Never answered from the cache: they say whether the server is there, or write.
const LIVE = ["ping/", "synchro/", "appareil/", "clients/", "sw.js", "ouvrir/", "choisir/"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      Promise.all(
        TILL_PRECACHE.map((url) =>
          fetch(new Request(url, { credentials: "same-origin", cache: "reload" }))
            .then((response) => (cacheable(response) ? cache.put(url, response) : null))
            .catch(() => null),
        ),
      ),
    ),
  );
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((key) => key.startsWith("ponton-till-") && key !== CACHE)
            .map((key) => caches.delete(key)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

function cacheable(response) {
  // Not the login page a lapsed session is redirected to, not an error.
  return response && response.ok && !response.redirected && response.type === "basic";
}

function handled(request) {
  if (request.method !== "GET") return false;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return false;
  if (url.pathname.startsWith("/static/")) return true;
  if (!url.pathname.startsWith(TILL_HOME)) return false;
  const rest = url.pathname.slice(TILL_HOME.length);
  if (LIVE.some((prefix) => rest.startsWith(prefix))) return false;
  // The till page and the catalogue; the other till pages are cached as they are visited.
  return true;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (!handled(request)) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const response = await fetch(request);
        if (cacheable(response)) {
          cache.put(request, response.clone());
        }
        return response;
      } catch (error) {
        const cached =
          (await cache.match(request, { ignoreVary: true })) ||
          (await cache.match(request.url.split("?")[0], { ignoreVary: true }));
        if (cached) return cached;
        if (request.mode === "navigate") {
          const home = await cache.match(TILL_HOME, { ignoreVary: true });
          if (home) return home;
        }
        throw error;
      }
    })(),
  );
});
