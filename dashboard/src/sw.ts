/**
 * The service worker: the app shell comes from a cache filled at install, so the dashboard opens
 * even while the gateway restarts; live data never touches the cache.
 */
declare const self: ServiceWorkerGlobalScope;
/** Set by the build: a hash of every file of the shell, so each build fills a cache of its own. */
declare const BUILD_HASH: string;
/** Set by the build: the shell's paths, "/" (index.html) first. */
declare const SHELL: readonly string[];

const PREFIX = "parking-shell-";
const CACHE = `${PREFIX}${BUILD_HASH}`;
const shell = new Set(SHELL);

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // Past the HTTP cache: it may still hold the previous build's files.
      await cache.addAll(SHELL.map((path) => new Request(path, { cache: "no-cache" })));
      // A wall display never closes its tab; waiting for that would keep the old shell forever.
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  // Everything outside the shell, /api/* and its never-ending /api/stream above all, is left to
  // the browser: without respondWith it goes to the network as if there were no worker.
  if (request.method !== "GET" || url.origin !== self.location.origin || !shell.has(url.pathname)) return;
  event.respondWith(fromShell(url.pathname, request));
});

async function fromShell(path: string, request: Request): Promise<Response> {
  const cached = await caches.match(path, { cacheName: CACHE });
  return cached ?? fetch(request);
}
