// The signed-in session. The access token lives in memory only. The refresh token is kept in
// sessionStorage (never localStorage): it survives a reload of this tab but not the closing
// of the tab, is not shared with other tabs or written to disk for later, and logging out
// revokes it on the server. sessionStorage is readable by scripts of this origin, which is
// why the admin runs under a strict Content-Security-Policy with no inline or third-party code.

const REFRESH_KEY = 'herald.refresh';

export const session = {
  access: null,
  refresh: sessionStorage.getItem(REFRESH_KEY),
  me: null,

  set(tokens) {
    this.access = tokens.access_token || null;
    if (tokens.refresh_token) {
      this.refresh = tokens.refresh_token;
      sessionStorage.setItem(REFRESH_KEY, tokens.refresh_token);
    }
  },

  clear() {
    this.access = null;
    this.refresh = null;
    this.me = null;
    sessionStorage.removeItem(REFRESH_KEY);
  },

  /** Whether the user's role is at least `role`. */
  can(role) {
    const order = ['viewer', 'editor', 'publisher', 'admin'];
    const mine = this.me ? order.indexOf(this.me.role) : -1;
    return mine >= order.indexOf(role);
  },
};
