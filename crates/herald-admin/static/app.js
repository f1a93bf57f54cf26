// The admin app: sign-in gate, navigation, and the routes of every screen.

import { contentTypes, logout, onSessionExpired, releaseAssetUrls, resume } from './api.js';
import { h, mount, toast } from './dom.js';
import { current, leaveMessage, resolve, route, setLeaveGuard } from './router.js';
import { session } from './session.js';
import { loginView, reauthDialog } from './views/login.js';
import { dashboardView } from './views/dashboard.js';
import { listView } from './views/list.js';
import { usersView } from './views/users.js';
import { tokensView } from './views/tokens.js';
import { auditView } from './views/audit.js';
import { entryView } from './views/entry.js';

const main = document.getElementById('main');

route('/', dashboardView);
route('/entries/:type', listView);
route('/entries/:type/new', entryView);
route('/entries/:type/:id', entryView);
route('/users', usersView);
route('/tokens', tokensView);
route('/audit', auditView);

onSessionExpired(reauthDialog);

let lastHash = location.hash;

async function render() {
  if (!session.me) {
    showChrome(false);
    mount(main, loginView(() => start()));
    return;
  }
  showChrome(true);
  await renderNav();
  const found = resolve();
  if (!found) {
    mount(main, h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Back to the dashboard')));
    return;
  }
  setLeaveGuard(null);
  mount(main, h('p', { class: 'muted' }, 'Loading…'));
  releaseAssetUrls(); // the images of the view just left
  try {
    await found.render(main, found.args, found.query);
  } catch (error) {
    mount(main, h('h1', {}, 'Something went wrong'), h('p', { class: 'error' }, error.message));
  }
  const heading = main.querySelector('h1');
  document.title = heading ? `${heading.textContent} · Herald` : 'Herald admin';
  main.focus({ preventScroll: true });
}

function showChrome(on) {
  document.getElementById('topbar').hidden = !on;
}

async function renderNav() {
  const nav = document.getElementById('nav');
  const types = await contentTypes();
  const { path } = current();
  const link = (href, text) =>
    h('a', { href: `#${href}`, 'aria-current': path === href ? 'page' : undefined }, text);
  mount(
    nav,
    link('/', 'Dashboard'),
    types.map((t) => link(`/entries/${t.name}`, t.label || t.name)),
    session.can('admin') ? [link('/users', 'Users'), link('/tokens', 'API tokens'), link('/audit', 'Audit log')] : [],
  );
  mount(
    document.getElementById('whoami'),
    h('span', {}, `${session.me.label} · ${session.me.role}`),
    h('button', { type: 'button', class: 'link', onclick: signOut }, 'Sign out'),
  );
}

async function signOut() {
  const warning = leaveMessage();
  if (warning && !window.confirm(`${warning}\nSign out anyway?`)) return;
  setLeaveGuard(null);
  await logout();
  toast('Signed out.');
  render();
}

window.addEventListener('hashchange', () => {
  const warning = leaveMessage();
  if (warning && !window.confirm(`${warning}\nLeave this page anyway?`)) {
    // Put the old address back without re-rendering.
    history.replaceState(null, '', lastHash || '#/');
    return;
  }
  lastHash = location.hash;
  render();
});

window.addEventListener('herald:address', () => {
  lastHash = location.hash;
});

window.addEventListener('beforeunload', (event) => {
  if (leaveMessage()) {
    event.preventDefault();
    event.returnValue = '';
  }
});

async function start() {
  lastHash = location.hash;
  if (!session.me && session.refresh) {
    try {
      await resume();
    } catch {
      session.clear();
    }
  }
  render();
}

start();
