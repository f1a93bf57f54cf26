// Hash routing: '#/entries/promo_banner/0193…' → the matching view with its parameters.

const routes = [];

/** Registers a route: a pattern like '/entries/:type/:id' and a render function. */
export function route(pattern, render) {
  const names = [];
  const re = new RegExp(
    `^${pattern.replace(/:([a-z]+)/g, (_, n) => {
      names.push(n);
      return '([^/]+)';
    })}$`,
  );
  routes.push({ re, names, render });
}

/** The current path and query of the hash. */
export function current() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs = ''] = raw.split('?');
  return { path, params: new URLSearchParams(qs) };
}

/** Finds the view of the current hash. */
export function resolve() {
  const { path, params } = current();
  for (const r of routes) {
    const m = r.re.exec(path);
    if (m) {
      const args = {};
      r.names.forEach((n, i) => {
        args[n] = decodeURIComponent(m[i + 1]);
      });
      return { render: r.render, args, query: params };
    }
  }
  return null;
}

/** Navigates to `path` (with an optional query object). */
export function go(path, params) {
  const qs = params ? new URLSearchParams(params).toString() : '';
  location.hash = qs ? `${path}?${qs}` : path;
}

/** Changes the address without showing another view (a new entry that was just created). */
export function replaceHash(hash) {
  history.replaceState(null, '', hash);
  window.dispatchEvent(new Event('herald:address'));
}

/** Something that vetoes leaving the page (unsaved edits): returns a message or null. */
let guard = null;
export function setLeaveGuard(fn) {
  guard = fn;
}
export function leaveMessage() {
  return guard ? guard() : null;
}
