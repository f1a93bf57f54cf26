// The client of the authoring API (contract §3). Every call sends the bearer token; on
// `401 token_expired` it refreshes the session once and retries once. When the session cannot
// be refreshed it asks the page to sign in again (without leaving it, so edits are kept).

import { session } from './session.js';

const BASE = '/api/v1';

/** An error answer of the API: `status`, `code`, `message`, `details`, `etag`. */
export class ApiError extends Error {
  constructor(status, body, etag) {
    const err = (body && body.error) || {};
    super(err.message || `HTTP ${status}`);
    this.status = status;
    this.code = err.code || 'http_error';
    this.details = err.details || [];
    this.etag = etag;
  }
}

let reauth = null; // set by the app: () => Promise that resolves once signed in again
let reauthing = null; // the sign-in dialog on screen: every call refused meanwhile waits for it
let refreshing = null;

/** Registers the function that shows the sign-in dialog when the session has ended. */
export function onSessionExpired(fn) {
  reauth = fn;
}

async function refresh() {
  if (!session.refresh) return false;
  if (!refreshing) {
    refreshing = fetch(`${BASE}/auth/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: session.refresh }),
    })
      .then(async (res) => {
        if (!res.ok) return false;
        session.set(await res.json());
        return true;
      })
      .catch(() => false)
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

/** Restores the session from the refresh token kept for this tab, if any. */
export async function resume() {
  if (!(await refresh())) return false;
  session.me = await api('GET', '/me');
  return true;
}

async function send(method, path, { body, headers = {}, cache = 'no-store' } = {}) {
  // Never answer from the browser's HTTP cache: an entry's ETag is its version, and scheduling
  // a publication changes `publish_at` without a new version, so a revalidated copy (304) could
  // show a stale schedule. The admin always wants what the server has now. (An asset's
  // content never changes, so it may come from the cache.)
  const init = { method, headers: { ...headers }, cache };
  if (session.access) init.headers.Authorization = `Bearer ${session.access}`;
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers['Content-Type'] = init.headers['Content-Type'] || 'application/json';
    init.body = JSON.stringify(body);
  }
  return fetch(path.startsWith('/api/') ? path : `${BASE}${path}`, init);
}

/**
 * Calls the API and returns `{data, etag, status, headers}` (or, with `raw`, the Response).
 * Throws ApiError for error answers.
 */
export async function call(method, path, options = {}) {
  let res = await send(method, path, options);
  if (res.status === 401) {
    const body = await res.clone().json().catch(() => ({}));
    const code = body.error && body.error.code;
    let again = false;
    if (code === 'token_expired' || code === 'unauthenticated') again = await refresh();
    if (!again && reauth && session.me) {
      if (!reauthing) {
        reauthing = reauth().finally(() => {
          reauthing = null;
        });
      }
      again = await reauthing;
    }
    if (again) res = await send(method, path, options);
  }
  const etag = res.headers.get('ETag');
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new ApiError(res.status, body, etag);
  }
  if (options.raw) return res;
  const text = res.status === 204 ? '' : await res.text();
  return { data: text ? JSON.parse(text) : null, etag, status: res.status, headers: res.headers };
}

/** Calls the API and returns only the JSON body. */
export async function api(method, path, body) {
  return (await call(method, path, { body })).data;
}

/** Signs in; throws ApiError on refusal. */
export async function login(email, password) {
  const res = await fetch(`${BASE}/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, body);
  session.set(body);
  typesCache = null; // another user may see other content types
  session.me = await api('GET', '/me');
  return session.me;
}

/** Signs out on the server (revoking the refresh token family) and forgets the tokens. */
export async function logout() {
  try {
    if (session.access) {
      await send('POST', '/auth/logout', { body: { refresh_token: session.refresh || undefined } });
    }
  } finally {
    session.clear();
    typesCache = null;
  }
}

/** Builds a query string from the non-empty values of `params`. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

// blob: URLs handed out by assetUrl, with when they were made. Each holds its image in memory
// until revoked, so those no image shows any more are revoked (releaseAssetUrls) when a view is
// left, a preview changes or a list of files closes. One made a moment ago is left alone: it may
// be on its way into the page (the next sweep takes it if not).
const blobUrls = new Map();
const FRESH_MS = 1000;

/** Fetches a private asset original into a blob: URL (the bearer token cannot go in <img src>). */
export async function assetUrl(id) {
  const res = await call('GET', `/assets/${encodeURIComponent(id)}/content`, { raw: true, cache: 'default' });
  const url = URL.createObjectURL(await res.blob());
  blobUrls.set(url, Date.now());
  return url;
}

/** Revokes the blob: URLs of assetUrl that no image on the page shows any more. */
export function releaseAssetUrls() {
  const shown = new Set([...document.images].map((img) => img.getAttribute('src')));
  const now = Date.now();
  for (const [url, made] of blobUrls) {
    if (!shown.has(url) && now - made > FRESH_MS) {
      URL.revokeObjectURL(url);
      blobUrls.delete(url);
    }
  }
}

/** Content types and locales are fixed while the server runs: load them once. */
let typesCache = null;
async function loadTypes() {
  if (!typesCache) {
    typesCache = api('GET', '/content-types')
      .then((data) => ({
        items: Array.isArray(data) ? data : data.items || [],
        locales: (data && data.locales) || [],
        defaultLocale: (data && data.default_locale) || null,
      }))
      .catch((e) => {
        typesCache = null;
        throw e;
      });
  }
  return typesCache;
}

/** The content types the user may work on. */
export async function contentTypes() {
  return (await loadTypes()).items;
}

/** The locales entries may be written in: `{all, default}` (empty when the server does not say). */
export async function contentLocales() {
  const { locales, defaultLocale } = await loadTypes();
  return { all: locales, default: defaultLocale || locales[0] || null };
}
