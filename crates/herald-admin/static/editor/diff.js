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

/** The largest comparison (tokens × tokens) marked word by word; larger values are shown whole. */
const MAX_CELLS = 250000;

/**
 * The words of `a` and `b` marked where they differ: `{left, right}`, each a list of
 * `[text, changed]` pieces, or null when the texts are too long to compare quickly. Words and
 * the spaces between them are compared as units (a longest common subsequence), so a changed
 * word is marked whole.
 */
export function wordDiff(a, b) {
  const split = (s) => s.match(/\s+|[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu) || [];
  const x = split(a);
  const y = split(b);
  if (x.length * y.length > MAX_CELLS) return null;
  // lcs[i][j]: the length of the longest common subsequence of x[i..] and y[j..].
  const lcs = Array.from({ length: x.length + 1 }, () => new Uint32Array(y.length + 1));
  for (let i = x.length - 1; i >= 0; i -= 1) {
    for (let j = y.length - 1; j >= 0; j -= 1) {
      lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const left = [];
  const right = [];
  const push = (out, text, changed) => {
    const last = out[out.length - 1];
    if (last && last[1] === changed) last[0] += text;
    else out.push([text, changed]);
  };
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    if (x[i] === y[j]) {
      push(left, x[i], false);
      push(right, y[j], false);
      i += 1;
      j += 1;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
      push(left, x[i], true);
      i += 1;
    } else {
      push(right, y[j], true);
      j += 1;
    }
  }
  for (; i < x.length; i += 1) push(left, x[i], true);
  for (; j < y.length; j += 1) push(right, y[j], true);
  return { left, right };
}

/** A <pre> of the pieces, changed ones in `tag` (del or ins). */
function marked(pieces, tag) {
  return h('pre', {}, pieces.map(([text, changed]) => (changed && text.trim() ? h(tag, {}, text) : text)));
}

/** The two cells of a row: the old value and the new, changed words marked when they differ. */
export function diffCells(left, right) {
  const a = show(left);
  const b = show(right);
  if (a === b || left === undefined || right === undefined) {
    const same = sameValue(left, right);
    return [h('td', { class: same ? 'same' : 'old' }, h('pre', {}, a)), h('td', { class: same ? 'same' : 'new' }, h('pre', {}, b))];
  }
  const d = wordDiff(a, b);
  if (!d) return [h('td', { class: 'old' }, h('pre', {}, a)), h('td', { class: 'new' }, h('pre', {}, b))];
  return [h('td', { class: 'old' }, marked(d.left, 'del')), h('td', { class: 'new' }, marked(d.right, 'ins'))];
}

/**
 * A table: field | left | right, one row per field that differs (every field with `all`), in
 * the type's order; changed words are marked. `extra` rows (such as the slug) come first, as
 * `{label, left, right}`. Titles may be text or elements.
 */
export function diffTable(type, left, right, leftTitle, rightTitle, { extra = [], all = false } = {}) {
  const changed = new Set(changedFields(left, right));
  const names = type.fields.map((f) => f.name);
  for (const n of new Set([...Object.keys(left || {}), ...Object.keys(right || {})])) if (!names.includes(n)) names.push(n);
  const shown = names.filter((n) => all || changed.has(n));
  const extras = extra.filter((row) => all || !sameValue(row.left, row.right));
  if (!shown.length && !extras.length) return h('p', { class: 'muted' }, 'No differences in the fields.');
  const labels = Object.fromEntries(type.fields.map((f) => [f.name, f.label || f.name]));
  const row = (key, label, a, b) =>
    h('tr', { dataset: { field: key }, class: sameValue(a, b) ? 'unchanged' : 'changed' }, h('th', { scope: 'row' }, label), diffCells(a, b));
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
        extras.map((r) => row(r.key || r.label, r.label, r.left, r.right)),
        shown.map((n) => row(n, labels[n] || n, (left || {})[n], (right || {})[n])),
      ),
    ),
  );
}
