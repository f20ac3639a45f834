// The app's service worker (docs/webapp.md, "Offline"). build.mjs writes it
// to web/dist/sw.js with SHELL replaced by the built app's files, so each
// build has its own cache and the previous one is dropped on activation.
// It caches the app shell only: "/" is fetched from the network first (it
// names the current assets) and from the cache when offline; the hashed
// assets never change, so the cache answers them first. API answers never
// pass through here: the app itself keeps the waybills and QR codes its
// company opened (src/show/offline.ts) and drops them on sign-out.
const SHELL = ["/","/assets/app-XELRIF2I.js","/assets/app-6LPMIEQR.css"];
const CACHE = `ewaybill-shell-${SHELL.join(",").replace(/[^A-Za-z0-9]+/g, "-")}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(names.filter((n) => n.startsWith("ewaybill-shell-") && n !== CACHE).map((n) => caches.delete(n))),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === "/") {
    event.respondWith(fetch(request).catch(() => caches.match("/", { cacheName: CACHE }).then((r) => r ?? Response.error())));
  } else if (url.pathname.startsWith("/assets/")) {
    event.respondWith(caches.match(request, { cacheName: CACHE }).then((r) => r ?? fetch(request)));
  }
});
