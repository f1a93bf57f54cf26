// Side-by-side comparison of two `fields` objects, one row per changed top-level field, with
// optional extra rows first (such as the slug).

import { h } from '../dom.js';

/** A field value for people: strings as they are, anything else as indented JSON. */
export function show(value) {
  if (value === undefined) return '(empty)';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/** JSON with object keys sorted, so that `{id, type}` and `{type, id}` compare equal. */
function canonical(value) {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  );
}

/** Whether two field values are the same (an empty value and a missing one are). */
export function sameValue(a, b) {
  return canonical(a) === canonical(b);
}

/** The names of the fields that differ. */
export function changedFields(a, b) {
  const names = new Set([...Object.keys(a || {}), ...Object.keys(b || {})]);
  return [...names].filter((n) => !sameValue((a || {})[n], (b || {})[n]));
}

/**
 * A three-way comparison of top-level fields for a save conflict: `base` is the version the
 * editor loaded, `baseForm` the same as the form reads it (what "changed by me" is measured
 * against, so that a value the form writes differently is not taken for an edit), `theirs` the
 * version saved meanwhile, `mine` the form now. One row per field either side changed:
 * `{name, label, base, theirs, mine, byThem, byMe, clash}`; `clash` when both changed it
 * differently. Fields are in schema order.
 */
export function threeWay(type, base, baseForm, theirs, mine) {
  const names = type.fields.map((f) => f.name);
  for (const n of new Set([...Object.keys(theirs || {}), ...Object.keys(mine || {})])) if (!names.includes(n)) names.push(n);
  const labels = Object.fromEntries(type.fields.map((f) => [f.name, f.label || f.name]));
  const rows = [];
  for (const n of names) {
    const b = (base || {})[n];
    const t = (theirs || {})[n];
    const m = (mine || {})[n];
    const byThem = !sameValue(b, t);
    const byMe = !sameValue((baseForm || {})[n], m);
    if (!byThem && !byMe) continue;
    rows.push({ name: n, label: labels[n] || n, base: b, theirs: t, mine: m, byThem, byMe, clash: byThem && byMe && !sameValue(t, m) });
  }
  return rows;
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
