// Admins: users (create, change role (saved with its own button) and content types, disable and
// enable). The list follows `next_cursor` until every user is shown.

import { api, contentTypes, query } from '../api.js';
import { h, mount, toast, uid, when } from '../dom.js';
import { setLeaveGuard } from '../router.js';
import { session } from '../session.js';
import { scopePicker, scopeText } from './scope.js';

export const ROLES = ['viewer', 'editor', 'publisher', 'admin'];

function field(label, input) {
  const id = uid('u');
  input.id = id;
  return h('div', { class: 'field-inline' }, h('label', { for: id }, label), input);
}

/** Every user, page after page. */
async function allUsers() {
  const users = [];
  let cursor = null;
  for (let pages = 0; pages < 100; pages += 1) {
    const data = await api('GET', `/users${query({ limit: 200, cursor })}`);
    if (Array.isArray(data)) return data;
    users.push(...(data.items || []));
    cursor = data.next_cursor;
    if (!cursor) break;
  }
  return users;
}

function problemText(err) {
  return [err.message, ...(err.details || []).map((d) => `${d.path}: ${d.message}`)].join(' — ');
}

export async function usersView(main) {
  const types = await contentTypes();
  const tbody = h('tbody');
  const error = h('p', { class: 'error', role: 'alert' });
  const count = h('p', { class: 'muted', 'aria-live': 'polite' });

  async function refresh() {
    const users = await allUsers();
    unsaved.clear();
    mount(tbody, users.map(row));
    count.textContent = `${users.length} ${users.length === 1 ? 'user' : 'users'}`;
  }

  function scopeCell(user) {
    const cell = h('td', { class: 'scope-cell' });
    const show = () =>
      mount(
        cell,
        h('span', {}, scopeText(types, user.content_types)),
        ' ',
        h('button', { type: 'button', class: 'small', 'aria-label': `Change the content types of ${user.email}`, onclick: edit }, 'Change…'),
      );
    function edit() {
      const picker = scopePicker(types, user.content_types, { legend: `Content types of ${user.email}` });
      const problem = h('p', { class: 'error', role: 'alert' });
      mount(
        cell,
        h(
          'form',
          {
            class: 'scope-form',
            onsubmit: async (e) => {
              e.preventDefault();
              const scope = picker.get();
              if (scope === undefined) return;
              try {
                const updated = await api('PATCH', `/users/${user.id}`, { content_types: scope });
                user.content_types = updated && 'content_types' in updated ? updated.content_types : scope;
                toast(`${user.email}: ${scopeText(types, user.content_types)}.`);
                show();
                cell.querySelector('button').focus();
              } catch (err) {
                problem.textContent = problemText(err);
              }
            },
          },
          picker.el,
          h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary small' }, 'Save'), h('button', { type: 'button', class: 'link', onclick: () => (show(), cell.querySelector('button').focus()) }, 'Cancel')),
          problem,
        ),
      );
      const first = cell.querySelector('input');
      if (first) first.focus();
    }
    show();
    return cell;
  }

  // A role changes only on Save: a select fires `change` on every arrow key in some browsers,
  // and a role is not something to change by scrolling through a list.
  const unsaved = new Set();
  setLeaveGuard(() => (unsaved.size ? `The new role of ${[...unsaved].join(', ')} is not saved.` : null));

  function roleCell(user) {
    const role = h(
      'select',
      { 'aria-label': `Role of ${user.email}` },
      ROLES.map((r) => h('option', { value: r, selected: r === user.role ? true : undefined }, r)),
    );
    const save = h('button', { type: 'submit', class: 'primary small', 'aria-label': `Save the role of ${user.email}` }, 'Save');
    const cancel = h('button', { type: 'button', class: 'link', 'aria-label': `Keep the role of ${user.email}` }, 'Cancel');
    const pending = h('span', { class: 'save-state dirty' }, 'not saved');
    const buttons = h('span', { class: 'role-actions', hidden: true }, save, cancel, pending);
    const update = () => {
      const changed = role.value !== user.role;
      buttons.hidden = !changed;
      if (changed) unsaved.add(user.email);
      else unsaved.delete(user.email);
    };
    role.addEventListener('change', update);
    cancel.addEventListener('click', () => {
      role.value = user.role;
      update();
      role.focus();
    });
    const form = h(
      'form',
      {
        class: 'role-form',
        onsubmit: async (e) => {
          e.preventDefault();
          const next = role.value;
          if (next === user.role) return;
          if (session.me && user.id === session.me.id && user.role === 'admin' && !window.confirm(`Make yourself ${next}? You lose access to users, API tokens and the audit log at once.`)) return;
          save.disabled = true;
          try {
            const updated = await api('PATCH', `/users/${user.id}`, { role: next });
            user.role = (updated && updated.role) || next;
            toast(`${user.email} is now ${user.role}.`);
            update();
            role.focus();
          } catch (err) {
            toast(problemText(err), 'error');
          } finally {
            save.disabled = false;
          }
        },
      },
      role,
      buttons,
    );
    return h('td', {}, form);
  }

  function row(user) {
    const toggle = h(
      'button',
      {
        type: 'button',
        'aria-label': `${user.disabled ? 'Enable' : 'Disable'} ${user.email}`,
        onclick: async () => {
          if (!user.disabled && !window.confirm(`Disable ${user.email}? They are signed out at once and cannot sign in until enabled again.`)) return;
          try {
            if (user.disabled) await api('PATCH', `/users/${user.id}`, { disabled: false });
            else await api('DELETE', `/users/${user.id}`);
            await refresh();
          } catch (e) {
            toast(e.message, 'error');
          }
        },
      },
      user.disabled ? 'Enable' : 'Disable',
    );
    return h(
      'tr',
      { class: user.disabled ? 'disabled' : undefined },
      h('td', {}, user.email),
      roleCell(user),
      scopeCell(user),
      h('td', {}, user.disabled ? 'disabled' : 'active'),
      h('td', {}, when(user.created_at)),
      h('td', {}, toggle),
    );
  }

  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'off' });
  const password = h('input', { type: 'password', name: 'password', required: true, minlength: 12, autocomplete: 'new-password' });
  const role = h('select', { name: 'role' }, ROLES.map((r) => h('option', { value: r, selected: r === 'editor' ? true : undefined }, r)));
  const scope = scopePicker(types, null, { legend: 'May work on' });
  const form = h(
    'form',
    {
      class: 'filters card',
      onsubmit: async (e) => {
        e.preventDefault();
        error.textContent = '';
        const contentTypesScope = scope.get();
        if (contentTypesScope === undefined) return;
        try {
          const body = { email: email.value.trim(), password: password.value, role: role.value };
          if (contentTypesScope) body.content_types = contentTypesScope;
          await api('POST', '/users', body);
          toast(`Created ${email.value}.`);
          form.reset();
          scope.reset();
          await refresh();
        } catch (err) {
          error.textContent = problemText(err);
        }
      },
    },
    h('h2', {}, 'New user'),
    field('E-mail', email),
    field('Password (12+ characters)', password),
    field('Role', role),
    scope.el,
    h('button', { type: 'submit', class: 'primary' }, 'Create user'),
    error,
  );

  mount(
    main,
    h('h1', {}, 'Users'),
    form,
    count,
    h(
      'div',
      { class: 'table-wrap' },
      h('table', {}, h('caption', { class: 'visually-hidden' }, 'Users'), h('thead', {}, h('tr', {}, ['E-mail', 'Role', 'Content types', 'State', 'Created', h('span', { class: 'visually-hidden' }, 'Actions')].map((c) => h('th', { scope: 'col' }, c)))), tbody),
    ),
  );
  await refresh();
}
