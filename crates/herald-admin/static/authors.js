// Author ids for people. Entries, revisions and jobs name who made them by id (a user id, or
// `token:<id>` for an API token); GET /authors turns ids into e-mails and token names for
// every role. The ids asked for within one turn of the event loop go in one request, and each
// answer is kept for the page's life (a label does not change while someone reads).

import { api, query } from './api.js';
import { h } from './dom.js';
import { session } from './session.js';

const MAX_IDS = 100;
const known = new Map(); // id → Promise<string>
let waiting = new Map(); // id → resolve, for the next request
let scheduled = false;

function fallback(id) {
  if (id === 'system') return 'Herald (automatic)';
  return id || 'unknown';
}

async function flush() {
  scheduled = false;
  const batch = waiting;
  waiting = new Map();
  const ids = [...batch.keys()];
  for (let i = 0; i < ids.length; i += MAX_IDS) {
    const chunk = ids.slice(i, i + MAX_IDS);
    let items = [];
    try {
      items = (await api('GET', `/authors${query({ ids: chunk.join(',') })}`)).items || [];
    } catch {
      // Unreachable for now: show the ids, and ask again next time.
      for (const id of chunk) known.delete(id);
    }
    const labels = new Map(items.map((a) => [a.id, a.kind === 'token' ? `${a.label} (API token)` : a.label]));
    for (const id of chunk) batch.get(id)(labels.get(id) || fallback(id));
  }
}

/** The name of an author id: "you" for the signed-in user, an e-mail, a token's name. */
export function authorName(id) {
  if (session.me && id === session.me.id) return Promise.resolve('you');
  if (!id || id === 'system' || id === 'anonymous') return Promise.resolve(fallback(id));
  if (!known.has(id)) {
    known.set(
      id,
      new Promise((resolve) => {
        waiting.set(id, resolve);
      }),
    );
    if (!scheduled) {
      scheduled = true;
      setTimeout(flush, 0);
    }
  }
  return known.get(id);
}

/** An element that shows the author's name once known (the id until then). */
export function author(id) {
  const el = h('span', { class: 'author', dataset: { author: id || '' } }, session.me && id === session.me.id ? 'you' : '…');
  authorName(id).then((name) => {
    el.textContent = name;
  });
  return el;
}
