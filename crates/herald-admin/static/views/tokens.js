// Admins: API tokens (create with a role, content types and expiry, showing the secret once;
// revoke).

import { api, contentTypes } from '../api.js';
import { h, mount, toast, uid, when } from '../dom.js';
import { scopePicker, scopeText } from './scope.js';
import { ROLES } from './users.js';

export async function tokensView(main) {
  const types = await contentTypes();
  const tbody = h('tbody');
  const secretBox = h('div', { 'aria-live': 'polite' });
  const error = h('p', { class: 'error', role: 'alert' });

  async function refresh() {
    const data = await api('GET', '/tokens');
    const tokens = Array.isArray(data) ? data : data.items || [];
    mount(
      tbody,
      tokens.map((t) =>
        h(
          'tr',
          {},
          h('td', {}, t.name),
          h('td', {}, t.role),
          h('td', {}, scopeText(types, t.content_types)),
          h('td', {}, h('code', {}, `${t.prefix || ''}…`)),
          h('td', {}, when(t.created_at)),
          h('td', {}, t.last_used_at ? when(t.last_used_at) : 'never'),
          h('td', {}, t.revoked_at ? `revoked ${when(t.revoked_at)}` : t.expires_at ? `expires ${when(t.expires_at)}` : 'no expiry'),
          h(
            'td',
            {},
            t.revoked_at
              ? null
              : h(
                  'button',
                  {
                    type: 'button',
                    class: 'danger',
                    'aria-label': `Revoke ${t.name}`,
                    onclick: async () => {
                      if (!window.confirm(`Revoke the token “${t.name}”? Scripts using it stop working.`)) return;
                      try {
                        await api('DELETE', `/tokens/${t.id}`);
                        await refresh();
                      } catch (e) {
                        toast(e.message, 'error');
                      }
                    },
                  },
                  'Revoke',
                ),
          ),
        ),
      ),
    );
  }

  const nameId = uid('t');
  const roleId = uid('t');
  const expId = uid('t');
  const name = h('input', { id: nameId, required: true, name: 'name' });
  const role = h('select', { id: roleId, name: 'role' }, ROLES.map((r) => h('option', { value: r }, r)));
  const expires = h('input', { id: expId, type: 'date', name: 'expires_at' });
  const scope = scopePicker(types, null, { legend: 'May work on' });
  const form = h(
    'form',
    {
      class: 'filters card',
      onsubmit: async (e) => {
        e.preventDefault();
        error.textContent = '';
        const tokenScope = scope.get();
        if (tokenScope === undefined) return;
        try {
          const body = { name: name.value.trim(), role: role.value };
          if (tokenScope) body.content_types = tokenScope;
          if (expires.value) body.expires_at = new Date(`${expires.value}T23:59:59`).toISOString();
          const created = await api('POST', '/tokens', body);
          mount(
            secretBox,
            h(
              'div',
              { class: 'card notice' },
              h('p', {}, h('strong', {}, 'Copy this token now: it is shown only once.')),
              h('code', { class: 'secret' }, created.secret),
            ),
          );
          form.reset();
          scope.reset();
          await refresh();
        } catch (err) {
          error.textContent = [err.message, ...(err.details || []).map((d) => `${d.path}: ${d.message}`)].join(' — ');
        }
      },
    },
    h('h2', {}, 'New API token'),
    h('div', { class: 'field-inline' }, h('label', { for: nameId }, 'Name'), name),
    h('div', { class: 'field-inline' }, h('label', { for: roleId }, 'Role'), role),
    h('div', { class: 'field-inline' }, h('label', { for: expId }, 'Expires'), expires),
    scope.el,
    h('button', { type: 'submit', class: 'primary' }, 'Create token'),
    error,
  );
  mount(
    main,
    h('h1', {}, 'API tokens'),
    form,
    secretBox,
    h(
      'div',
      { class: 'table-wrap' },
      h('table', {}, h('thead', {}, h('tr', {}, ['Name', 'Role', 'Content types', 'Prefix', 'Created', 'Last used', 'State', h('span', { class: 'visually-hidden' }, 'Actions')].map((c) => h('th', { scope: 'col' }, c)))), tbody),
    ),
  );
  await refresh();
}
