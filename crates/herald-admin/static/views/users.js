// Admins: users (create, change role, disable and enable).

import { api } from '../api.js';
import { h, mount, toast, uid, when } from '../dom.js';

export const ROLES = ['viewer', 'editor', 'publisher', 'admin'];

function field(label, input) {
  const id = uid('u');
  input.id = id;
  return h('div', { class: 'field-inline' }, h('label', { for: id }, label), input);
}

export async function usersView(main) {
  const tbody = h('tbody');
  const error = h('p', { class: 'error', role: 'alert' });

  async function refresh() {
    const data = await api('GET', '/users');
    const users = Array.isArray(data) ? data : data.items || [];
    mount(tbody, users.map(row));
  }

  function row(user) {
    const role = h(
      'select',
      { 'aria-label': `Role of ${user.email}` },
      ROLES.map((r) => h('option', { value: r, selected: r === user.role ? true : undefined }, r)),
    );
    role.addEventListener('change', async () => {
      try {
        await api('PATCH', `/users/${user.id}`, { role: role.value });
        toast(`${user.email} is now ${role.value}.`);
      } catch (e) {
        toast(e.message, 'error');
        role.value = user.role;
      }
    });
    const toggle = h(
      'button',
      {
        type: 'button',
        onclick: async () => {
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
      h('td', {}, role),
      h('td', {}, user.content_types ? user.content_types.join(', ') : 'all'),
      h('td', {}, user.disabled ? 'disabled' : 'active'),
      h('td', {}, when(user.created_at)),
      h('td', {}, toggle),
    );
  }

  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'off' });
  const password = h('input', { type: 'password', name: 'password', required: true, minlength: 12, autocomplete: 'new-password' });
  const role = h('select', { name: 'role' }, ROLES.map((r) => h('option', { value: r, selected: r === 'editor' ? true : undefined }, r)));
  const form = h(
    'form',
    {
      class: 'filters card',
      onsubmit: async (e) => {
        e.preventDefault();
        error.textContent = '';
        try {
          await api('POST', '/users', { email: email.value.trim(), password: password.value, role: role.value });
          toast(`Created ${email.value}.`);
          form.reset();
          await refresh();
        } catch (err) {
          error.textContent = [err.message, ...err.details.map((d) => `${d.path}: ${d.message}`)].join(' — ');
        }
      },
    },
    h('h2', {}, 'New user'),
    field('E-mail', email),
    field('Password (12+ characters)', password),
    field('Role', role),
    h('button', { type: 'submit', class: 'primary' }, 'Create user'),
    error,
  );

  mount(
    main,
    h('h1', {}, 'Users'),
    form,
    h(
      'div',
      { class: 'table-wrap' },
      h('table', {}, h('thead', {}, h('tr', {}, ['E-mail', 'Role', 'Content types', 'State', 'Created', ''].map((c) => h('th', { scope: 'col' }, c)))), tbody),
    ),
  );
  await refresh();
}
