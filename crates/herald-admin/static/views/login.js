// Sign in, and the sign-in dialog shown when a session ends while the user works.

import { login } from '../api.js';
import { h, uid } from '../dom.js';
import { session } from '../session.js';

function form(onDone, { email = '', dialog = false } = {}) {
  const emailId = uid('email');
  const passId = uid('password');
  const error = h('p', { class: 'error', role: 'alert' });
  const emailInput = h('input', { id: emailId, type: 'email', name: 'email', autocomplete: 'username', required: true, value: email, readonly: dialog && email ? true : undefined });
  const passInput = h('input', { id: passId, type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const el = h(
    'form',
    {
      class: 'login-form',
      onsubmit: async (event) => {
        event.preventDefault();
        error.textContent = '';
        button.disabled = true;
        try {
          await login(emailInput.value.trim(), passInput.value);
          onDone(true);
        } catch (e) {
          error.textContent =
            e.code === 'rate_limited'
              ? 'Too many attempts. Wait a minute and try again.'
              : e.status === 401
                ? 'Wrong e-mail or password.'
                : e.message;
        } finally {
          button.disabled = false;
        }
      },
    },
    h('label', { for: emailId }, 'E-mail'),
    emailInput,
    h('label', { for: passId }, 'Password'),
    passInput,
    error,
    button,
  );
  return { el, focus: () => (email ? passInput : emailInput).focus() };
}

/** The sign-in screen. */
export function loginView(onSignedIn) {
  const f = form(() => onSignedIn());
  setTimeout(f.focus, 0);
  return h('section', { class: 'login card' }, h('h1', {}, 'Sign in to Herald'), f.el);
}

/**
 * Asks the user to sign in again in a modal dialog, keeping the page (and unsaved edits)
 * underneath. Resolves true once signed in, false if cancelled.
 */
export function reauthDialog() {
  return new Promise((resolve) => {
    const email = session.me ? session.me.label : '';
    const dialog = h('dialog', { class: 'card', 'aria-labelledby': 'reauth-title' });
    const done = (ok) => {
      dialog.close();
      dialog.remove();
      resolve(ok);
    };
    const f = form(() => done(true), { email, dialog: true });
    dialog.append(
      h('h2', { id: 'reauth-title' }, 'Your session has ended'),
      h('p', {}, 'Sign in again to continue. Your unsaved changes are kept.'),
      f.el,
      h('button', { type: 'button', class: 'link', onclick: () => done(false) }, 'Cancel'),
    );
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      done(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    f.focus();
  });
}
