// Side-by-side comparison of two `fields` objects, one row per changed top-level field, with
// optional extra rows first (such as the slug).

import { h } from '../dom.js';

function show(value) {
  if (value === undefined) return '(empty)';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/** The names of the fields that differ. */
export function changedFields(a, b) {
  const names = new Set([...Object.keys(a || {}), ...Object.keys(b || {})]);
  return [...names].filter((n) => JSON.stringify((a || {})[n]) !== JSON.stringify((b || {})[n]));
}

/** A table: field | left | right, for the fields that differ; `extra` rows are `{label, left, right}`. */
export function diffTable(type, left, right, leftTitle, rightTitle, extra = []) {
  const names = changedFields(left, right);
  if (!names.length && !extra.length) return h('p', { class: 'muted' }, 'No differences in the fields.');
  const labels = Object.fromEntries(type.fields.map((f) => [f.name, f.label || f.name]));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'diff' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Field'), h('th', { scope: 'col' }, leftTitle), h('th', { scope: 'col' }, rightTitle))),
      h(
        'tbody',
        {},
        extra.map((row) =>
          h('tr', {}, h('th', { scope: 'row' }, row.label), h('td', { class: 'old' }, h('pre', {}, show(row.left))), h('td', { class: 'new' }, h('pre', {}, show(row.right)))),
        ),
        names.map((n) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, labels[n] || n),
            h('td', { class: 'old' }, h('pre', {}, show((left || {})[n]))),
            h('td', { class: 'new' }, h('pre', {}, show((right || {})[n]))),
          ),
        ),
      ),
    ),
  );
}
