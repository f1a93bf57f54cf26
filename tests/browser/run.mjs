// Browser tests of the admin UI: Debian's chromium driven by playwright-core against the real
// `herald` binary. Run by scripts/browser-tests.sh. Screenshots of key screens go to
// docs/admin-ui/ (the marketers' guide docs/admin-ui.md shows them).

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { ADMIN, client, LOCALES, png, startServer } from './server.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(repo, 'docs/admin-ui');
const bin = process.env.HERALD_BIN;
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!bin) throw new Error('set HERALD_BIN to the herald binary');
mkdirSync(shots, { recursive: true });

const MARKETER = { email: 'marie@shop.example', password: 'banner season autumn 77' };
const VIEWER = { email: 'victor@shop.example', password: 'reading only quietly 42' };
const PUBLISHER = { email: 'paula@shop.example', password: 'press the big button 9' };

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = await startServer({ bin, repo });
// playwright-core gives each launch a fresh temporary --user-data-dir of its own.
const browser = await chromium.launch({
  executablePath: browserPath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const shared = {};

async function signIn(context, who) {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`  page error: ${e.message}`));
  await page.goto(`${server.base}/admin/`);
  await page.getByLabel('E-mail').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  return page;
}

/**
 * Opens an entry and waits until it is rendered: `goto` to a hash URL returns before the view
 * has loaded, so nothing may be counted or clicked before the entry's heading and Status box.
 */
async function openEntry(page, type, id, title) {
  await page.goto(`${server.base}/admin/#/entries/${type}/${id}`);
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
  await page.locator('.workflow .status-line').waitFor();
}

async function newContext(viewport = { width: 1200, height: 900 }) {
  return browser.newContext({ viewport });
}

/** Polls a publishing job until it is done; throws with its error if it fails. */
async function waitForJob(call, id, timeout = 30000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const r = await call('GET', `/publish/jobs/${id}`);
    assert(r.status === 200, `job ${id}: ${r.status} ${JSON.stringify(r.body)}`);
    if (r.body.status === 'done') return r.body;
    if (r.body.status === 'failed' || r.body.status === 'cancelled') throw new Error(`job ${id} ${r.body.status}: ${r.body.error}`);
    if (Date.now() > deadline) throw new Error(`job ${id} still ${r.body.status} after ${timeout / 1000} s: ${JSON.stringify(r.body)}`);
    await sleep(200);
  }
}

/** Takes an entry through review and publication with the API, as a script would. */
async function publishWithApi(call, type, id) {
  for (const step of ['submit', 'approve']) {
    const r = await call('POST', `/entries/${type}/${id}/${step}`, {});
    assert(r.status === 200, `${step} ${type} ${id}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  const published = await call('POST', `/entries/${type}/${id}/publish`, {});
  assert(published.status === 202, `publish ${type} ${id}: ${published.status} ${JSON.stringify(published.body)}`);
  return waitForJob(call, published.body.id);
}

/** Removes the toasts (they fade after a few seconds) so that they do not cover a screenshot. */
async function calm(page) {
  await page.evaluate(() => document.querySelectorAll('#toasts .toast').forEach((t) => t.remove()));
}

/** Waits until every image on the page has been decoded. */
async function imagesLoaded(page) {
  await page.waitForFunction(() => [...document.images].every((img) => img.complete && img.naturalWidth > 0));
}

/** Whether the page is wider than the window (a horizontal scrollbar). */
async function overflows(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
}

// Fixtures through the API, as an admin's script would. If they fail, stop the server and the
// browser before reporting, so the run ends instead of hanging.
const admin = await client(server.base, ADMIN.email, ADMIN.password);
try {
  for (const [who, role] of [[MARKETER, 'editor'], [VIEWER, 'viewer'], [PUBLISHER, 'publisher']]) {
    const r = await admin('POST', '/users', { email: who.email, password: who.password, role });
    assert(r.status === 201, `create ${role}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  {
    const form = new FormData();
    form.append('alt', 'Trail shoe');
    form.append('file', new Blob([png(200, 200, [200, 200, 200])], { type: 'image/png' }), 'trail-shoe.png');
    const asset = await admin('POST', '/assets', form);
    assert(asset.status === 201, `upload: ${asset.status} ${JSON.stringify(asset.body)}`);
    const product = await admin('POST', '/entries/product', {
      fields: { name: 'Trail Runner 3', sku: 'TR-3000', description: 'A light trail shoe with a grippy sole, made for long days on rocky mountain paths.', price: 129.9, currency: 'EUR', images: [{ id: asset.body.id, alt: 'Trail shoe' }] },
    });
    assert(product.status === 201, `product: ${product.status} ${JSON.stringify(product.body)}`);
    shared.product = product.body;
    shared.asset = asset.body.id;
    // A banner can only be approved once the products it shows are public (422
    // reference_not_published otherwise): publish the product the way IT's import would.
    // Products need review but not four eyes, so the admin who wrote it may approve it.
    await publishWithApi(admin, 'product', product.body.id);
  }
} catch (error) {
  await browser.close();
  await server.stop();
  throw error;
}

test('the admin shell is served with a strict Content-Security-Policy', async () => {
  const res = await fetch(`${server.base}/admin/`);
  assert(res.status === 200, 'status');
  assert((res.headers.get('content-security-policy') || '').includes("default-src 'self'"), 'CSP');
  assert(res.headers.get('x-content-type-options') === 'nosniff', 'nosniff');
});

test('a marketer creates a promo banner with a product, an image, fixes validation errors and submits', async () => {
  const context = await newContext();
  const page = await signIn(context, MARKETER);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Promo banner' }).click();
  await page.getByRole('heading', { name: 'Promo banner' }).waitFor();
  await page.getByRole('link', { name: 'New promo banner' }).click();
  await page.getByRole('heading', { name: 'New promo banner' }).waitFor();

  // The locale is chosen from the server's locales, the default first and selected.
  const locales = await page.getByLabel('Locale').locator('option').evaluateAll((os) => os.map((o) => o.value));
  assert(JSON.stringify(locales) === JSON.stringify(LOCALES), `the locales are offered: ${locales}`);
  assert((await page.getByLabel('Locale').inputValue()) === LOCALES[0], 'the default locale is chosen');

  // Too long: the API refuses it and the error shows at the headline field.
  assert((await page.getByLabel('Headline').getAttribute('aria-required')) === 'true', 'a required field says so');
  await page.getByLabel('Headline').fill('Autumn sale: '.padEnd(95, '!'));
  await page.getByLabel('Body').fill('Up to **40 %** off [trail shoes](https://shop.example/trail).');
  await page.locator('.markdown-preview strong').waitFor();

  // The product picker is a combobox: type, arrow down, Enter.
  await page.getByRole('button', { name: 'Add product' }).click();
  const search = page.getByPlaceholder('Search product');
  await search.fill('Trail');
  await page.getByRole('option', { name: /Trail Runner 3/ }).waitFor();
  assert((await search.getAttribute('aria-expanded')) === 'true', 'the combobox says it is open');
  await search.press('ArrowDown');
  const active = await search.getAttribute('aria-activedescendant');
  assert(active && (await page.locator(`#${active}`).getAttribute('aria-selected')) === 'true', 'ArrowDown makes the option active');
  await search.press('Enter');
  await page.locator('.picker-current .chosen', { hasText: 'Trail Runner 3' }).waitFor();
  assert((await page.getByRole('heading', { name: 'New promo banner' }).count()) === 1, 'Enter in the picker does not submit the form');

  // A second product left empty and a discount that is not a number are reported beside
  // their fields before anything is sent.
  await page.getByRole('button', { name: 'Add product' }).click();
  await page.getByLabel('Discount (%)').focus();
  await page.keyboard.type('1e');
  await page.getByLabel('Hero image', { exact: true }).setInputFiles({ name: 'autumn.png', mimeType: 'image/png', buffer: png() });
  await page.locator('.asset-preview img').waitFor();
  const src = await page.locator('.asset-preview img').getAttribute('src');
  assert(src && src.startsWith('blob:'), `image preview is a blob URL: ${src}`);
  await page.getByLabel('Alt text of Hero image').fill('Autumn leaves over a trail');
  await page.getByRole('button', { name: 'Create draft' }).click();
  const emptyItem = page.locator('[data-path="fields.products[1]"] > .field-error');
  await emptyItem.waitFor();
  assert((await emptyItem.textContent()).includes('Product 2 is empty'), `the empty item is reported at its index: ${await emptyItem.textContent()}`);
  assert((await page.locator('[data-path="fields.products[0]"] > .field-error').isHidden()), 'the first item has no error');
  const discountError = page.locator('[data-path="fields.discount"] .field-error');
  assert((await discountError.textContent()).includes('whole number'), `the bad number is reported: ${await discountError.textContent()}`);
  assert((await page.getByLabel('Product 2', { exact: true }).count()) === 1, 'list items are numbered in their labels');
  await page.getByRole('button', { name: 'Remove product 2' }).click();
  await page.getByLabel('Discount (%)').fill('');

  await page.getByRole('button', { name: 'Create draft' }).click();
  const headlineError = page.locator('[data-path="fields.headline"] .field-error');
  await headlineError.waitFor();
  assert((await headlineError.textContent()).includes('80'), 'the error names the limit');
  await page.locator('[data-path="fields.headline"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shots, 'validation-error.png') });

  await page.getByLabel('Headline').fill('Autumn sale');
  const draftSrc = await page.locator('.asset-preview img').getAttribute('src');
  await page.getByRole('button', { name: 'Create draft' }).click();
  await page.getByRole('heading', { level: 1, name: /Autumn sale/ }).waitFor();
  await page.getByRole('button', { name: 'Save' }).waitFor();
  // The preview of the new-entry form is gone: its blob: URL (the image in memory) is revoked.
  await page.waitForFunction((src) => fetch(src).then(() => false, () => true), draftSrc, { timeout: 5000 });
  const id = page.url().split('/').pop();
  shared.banner = id;
  const stored = await admin('GET', `/entries/promo_banner/${id}`);
  assert(stored.body.fields.products.length === 1 && stored.body.fields.products[0].id === shared.product.id, 'the product reference is stored');
  assert(stored.body.fields.hero && stored.body.fields.hero.alt === 'Autumn leaves over a trail', 'the image is stored');
  assert(stored.body.fields.discount === undefined, 'no discount is stored');
  await page.locator('.asset-preview img').waitFor();
  await imagesLoaded(page);
  await calm(page);
  await page.screenshot({ path: path.join(shots, 'editor.png'), fullPage: true });

  await page.getByRole('button', { name: 'Submit for review' }).click();
  await page.locator('.workflow .badge.status-in_review').waitFor();
  const after = await admin('GET', `/entries/promo_banner/${id}`);
  assert(after.body.status === 'in_review', `submitted: ${after.body.status}`);
  await context.close();
});

test('a viewer sees no edit or publish buttons, and the API refuses their edits anyway', async () => {
  const context = await newContext();
  const page = await signIn(context, VIEWER);
  await openEntry(page, 'promo_banner', shared.banner, /Autumn sale/);
  for (const name of ['Save', 'Submit for review', 'Publish…', 'Approve', 'Reject…', 'Unpublish…', 'Choose an uploaded file…']) {
    assert((await page.getByRole('button', { name, exact: true }).count()) === 0, `no ${name} button`);
  }
  assert(await page.getByLabel('Headline').isDisabled(), 'fields are read-only');
  // The Markdown preview works for viewers too, and the image (uploads are editor+) is
  // described from the published JSON instead of an error.
  await page.locator('.markdown-preview strong', { hasText: '40 %' }).waitFor();
  const info = page.locator('[data-path="fields.hero"] .asset-info');
  await info.waitFor();
  assert((await info.textContent()).includes('autumn.png'), `the image is described: ${await info.textContent()}`);
  assert((await page.locator('.asset-preview .error').count()) === 0, 'no error for the image');
  await page.screenshot({ path: path.join(shots, 'viewer.png') });
  const viewer = await client(server.base, VIEWER.email, VIEWER.password);
  const current = await viewer('GET', `/entries/promo_banner/${shared.banner}`);
  const refused = await viewer('PATCH', `/entries/promo_banner/${shared.banner}`, { fields: { headline: 'Hacked' } }, { 'If-Match': current.etag, 'Content-Type': 'application/merge-patch+json' });
  assert(refused.status === 403, `the API refuses a viewer's edit: ${refused.status}`);
  for (const step of ['submit', 'approve', 'reject', 'publish', 'unpublish']) {
    const r = await viewer('POST', `/entries/promo_banner/${shared.banner}/${step}`, {}, { 'If-Match': current.etag });
    assert(r.status === 403 && r.body.error.code === 'forbidden', `the API refuses a viewer's ${step}: ${r.status}`);
  }
  const created = await viewer('POST', '/entries/promo_banner', { fields: { headline: 'Sneaky' } });
  assert(created.status === 403, `the API refuses a viewer's new entry: ${created.status}`);
  const unchanged = await admin('GET', `/entries/promo_banner/${shared.banner}`);
  assert(unchanged.body.version === current.body.version && unchanged.body.status === current.body.status, 'nothing changed');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Promo banner' }).click();
  await page.getByRole('link', { name: 'Autumn sale' }).waitFor();
  assert((await page.getByRole('link', { name: 'New promo banner' }).count()) === 0, 'no New link for a viewer');
  await context.close();
});

test('a save conflict between two sessions is shown, slug included, not lost', async () => {
  const one = await newContext();
  const two = await newContext();
  const a = await signIn(one, MARKETER);
  const b = await signIn(two, MARKETER);
  await openEntry(a, 'promo_banner', shared.banner, /Autumn sale/);
  await openEntry(b, 'promo_banner', shared.banner, /Autumn sale/);
  await a.getByLabel('Button text').fill('Buy now');
  await a.getByLabel('Slug').fill('autumn-sale-2026');
  await a.getByRole('button', { name: 'Save' }).click();
  await a.getByText(/Saved version/).waitFor();
  await b.getByLabel('Button text').fill('Grab a deal');
  await b.getByRole('button', { name: 'Save' }).click();
  const dialog = b.getByRole('dialog', { name: 'Someone else saved this entry meanwhile' });
  await dialog.waitFor();
  assert((await dialog.getByText('Buy now').count()) > 0, 'their value is shown');
  assert((await dialog.getByText('Grab a deal').count()) > 0, 'my value is shown');
  assert((await dialog.getByRole('rowheader', { name: 'Slug (page address)' }).count()) === 1, 'the slug change is shown');
  assert((await dialog.getByText('autumn-sale-2026').count()) > 0, 'their slug is shown');
  assert((await dialog.locator('.saved-by').textContent()).includes('saved by you (in another window)'), `who saved it: ${await dialog.locator('.saved-by').textContent()}`);
  // Their slug change survives a merge, not an overwrite, and each choice says so.
  const mergeSays = await dialog.locator('.choices li', { has: b.getByRole('button', { name: 'Merge: theirs plus my changes' }) }).textContent();
  assert(mergeSays.includes('“Slug (page address)” are kept'), `the merge says what it keeps: ${mergeSays}`);
  const overwriteSays = await dialog.locator('.choices li', { has: b.getByRole('button', { name: 'Overwrite with mine' }) }).textContent();
  assert(overwriteSays.includes('Slug (page address)') && overwriteSays.includes('Button text') && overwriteSays.includes('replaced'), `the overwrite says what it replaces: ${overwriteSays}`);
  const clash = dialog.locator('.clash-note');
  assert((await clash.textContent()).includes('Both of you changed') && (await clash.textContent()).includes('Button text'), `the clash is said: ${await clash.textContent()}`);
  assert((await dialog.locator('tr.clash[data-field="cta_label"]').count()) === 1, 'the row of the clash is marked');
  await calm(b);
  await b.screenshot({ path: path.join(shots, 'conflict.png') });
  await dialog.getByRole('button', { name: 'Merge: theirs plus my changes' }).click();
  await b.getByText(/Merged and saved/).waitFor();
  const stored = await admin('GET', `/entries/promo_banner/${shared.banner}`);
  assert(stored.body.fields.cta_label === 'Grab a deal', `overwritten knowingly: ${stored.body.fields.cta_label}`);
  assert(stored.body.slug === 'autumn-sale-2026', `their slug is kept, as the dialog said: ${stored.body.slug}`);
  await one.close();
  await two.close();
});

test('two users change different fields: the conflict dialog merges, and both changes survive', async () => {
  const marie = await client(server.base, MARKETER.email, MARKETER.password);
  const made = await marie('POST', '/entries/promo_banner', { fields: { headline: 'Spring teaser', cta_label: 'Shop', starts_at: '2027-03-01T08:00:30.250Z' } });
  assert(made.status === 201, `create: ${made.status} ${JSON.stringify(made.body)}`);
  const id = made.body.id;
  const startsAt = made.body.fields.starts_at;
  const one = await newContext();
  const two = await newContext();
  const a = await signIn(one, MARKETER);
  const b = await signIn(two, PUBLISHER);
  await openEntry(a, 'promo_banner', id, /Spring teaser/);
  await openEntry(b, 'promo_banner', id, /Spring teaser/);
  assert((await a.getByLabel('Campaign start').getAttribute('step')) === '1', 'datetimes show seconds');
  await a.getByLabel('Headline').fill('Spring teaser 2027');
  await a.getByRole('button', { name: 'Save' }).click();
  await a.getByText(/Saved version/).waitFor();
  const saved = (await admin('GET', `/entries/promo_banner/${id}`)).body;
  assert(saved.fields.starts_at === startsAt, `an untouched datetime is stored as it was: ${saved.fields.starts_at} vs ${startsAt}`);
  await b.getByLabel('Button text').fill('Shop spring');
  await b.getByRole('button', { name: 'Save' }).click();
  const dialog = b.getByRole('dialog', { name: 'Someone else saved this entry meanwhile' });
  await dialog.waitFor();
  const rows = await dialog.locator('tr[data-field]').evaluateAll((trs) => trs.map((tr) => `${tr.dataset.field}: ${tr.querySelector('td.who').textContent}`));
  assert(JSON.stringify(rows) === JSON.stringify(['headline: They changed it', 'cta_label: You changed it']), `one row per changed field, saying who: ${JSON.stringify(rows)}`);
  assert((await dialog.locator('.clash-note').count()) === 0, 'no clash');
  await dialog.getByRole('button', { name: 'Merge: theirs plus my changes' }).click();
  await b.getByText(/Merged and saved/).waitFor();
  await b.getByRole('heading', { level: 1, name: /Spring teaser 2027/ }).waitFor();
  assert((await b.getByLabel('Headline').inputValue()) === 'Spring teaser 2027', 'the form shows the merge');
  const stored = (await admin('GET', `/entries/promo_banner/${id}`)).body;
  assert(stored.fields.headline === 'Spring teaser 2027' && stored.fields.cta_label === 'Shop spring', `both changes survive: ${JSON.stringify(stored.fields)}`);
  assert(stored.fields.starts_at === startsAt, `the datetime is untouched: ${stored.fields.starts_at}`);
  await one.close();
  await two.close();
});

test('a conflict is resolved by reloading theirs, or by overwriting with mine knowingly', async () => {
  const marie = await client(server.base, MARKETER.email, MARKETER.password);
  const made = await marie('POST', '/entries/promo_banner', { fields: { headline: 'Reload or overwrite', cta_label: 'Shop' } });
  assert(made.status === 201, `create: ${made.status} ${JSON.stringify(made.body)}`);
  const id = made.body.id;
  /** Someone else (the admin, by script) changes the headline meanwhile. */
  const theirEdit = async (headline) => {
    const now = await admin('GET', `/entries/promo_banner/${id}`);
    const r = await admin('PUT', `/entries/promo_banner/${id}`, { fields: { ...now.body.fields, headline } }, { 'If-Match': now.etag });
    assert(r.status === 200, `their edit: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const context = await newContext();
  const page = await signIn(context, MARKETER);
  await openEntry(page, 'promo_banner', id, /Reload or overwrite/);
  const dialog = page.getByRole('dialog', { name: 'Someone else saved this entry meanwhile' });

  // Reload theirs: my change is dropped, the form shows their version.
  await page.getByLabel('Button text').fill('Mine, dropped');
  const first = await theirEdit('Their headline');
  await page.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor();
  const savedBy = await dialog.locator('.saved-by').textContent();
  assert(savedBy.includes(`saved by ${ADMIN.email}`), `who saved it, by name: ${savedBy}`);
  // They changed only a field I did not: merging and overwriting differ, and both are offered.
  assert((await dialog.getByRole('button', { name: 'Merge: theirs plus my changes' }).count()) === 1, 'merge offered');
  await dialog.getByRole('button', { name: 'Reload theirs (discard mine)' }).click();
  await page.getByRole('heading', { level: 1, name: /Their headline/ }).waitFor();
  assert((await page.getByLabel('Button text').inputValue()) === 'Shop', 'my change is gone from the form');
  assert((await page.locator('.save-state.dirty').count()) === 0, 'nothing unsaved');
  const reloaded = (await admin('GET', `/entries/promo_banner/${id}`)).body;
  assert(reloaded.version === first.version && reloaded.fields.cta_label === 'Shop', `nothing saved: ${JSON.stringify(reloaded.fields)}`);
  // Their version shows under their name in the history.
  await page.locator('.revisions li', { hasText: `Version ${first.version}` }).getByText(ADMIN.email).waitFor();
  assert((await page.locator('.revisions li', { hasText: 'Version 1' }).getByText('you', { exact: true }).count()) === 1, 'my version says "you"');

  // Overwrite with mine: exactly what is in my editor, their headline change included.
  await page.getByLabel('Button text').fill('Mine, kept');
  await theirEdit('Another headline of theirs');
  await page.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor();
  const overwrite = dialog.locator('.choices li', { has: page.getByRole('button', { name: 'Overwrite with mine' }) });
  const says = await overwrite.textContent();
  assert(says.includes('“Headline”') && says.includes('replaced by yours'), `the overwrite says what it undoes: ${says}`);
  await overwrite.getByRole('button', { name: 'Overwrite with mine' }).click();
  await page.getByText(/Saved yours over theirs/).waitFor();
  await page.getByRole('heading', { level: 1, name: /Their headline/ }).waitFor();
  const stored = (await admin('GET', `/entries/promo_banner/${id}`)).body;
  assert(stored.fields.headline === 'Their headline' && stored.fields.cta_label === 'Mine, kept', `mine, as in the editor: ${JSON.stringify(stored.fields)}`);
  await context.close();
});

test('an ended session asks to sign in again over the page, keeps the edits, and the save goes through', async () => {
  const marie = await client(server.base, MARKETER.email, MARKETER.password);
  const made = await marie('POST', '/entries/promo_banner', { fields: { headline: 'Session test' } });
  assert(made.status === 201, `create: ${made.status} ${JSON.stringify(made.body)}`);
  const id = made.body.id;
  const context = await newContext();
  const page = await signIn(context, MARKETER);
  await openEntry(page, 'promo_banner', id, /Session test/);
  await page.getByLabel('Headline').fill('Typed before the session ended');

  // The session ends behind the page's back (as when it is signed out elsewhere).
  const refresh = await page.evaluate(() => sessionStorage.getItem('herald.refresh'));
  const ended = await marie('POST', '/auth/logout', { refresh_token: refresh });
  assert(ended.status === 204, `the session is ended: ${ended.status} ${JSON.stringify(ended.body)}`);
  await page.getByRole('button', { name: 'Save' }).click();
  const signInAgain = page.getByRole('dialog', { name: 'Your session has ended' });
  await signInAgain.waitFor();
  assert((await page.getByLabel('Headline').inputValue()) === 'Typed before the session ended', 'the edit is still there');
  await signInAgain.getByLabel('Password').fill(MARKETER.password);
  await signInAgain.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(/Saved version/).waitFor();
  const stored = (await admin('GET', `/entries/promo_banner/${id}`)).body;
  assert(stored.fields.headline === 'Typed before the session ended', `saved after signing in again: ${stored.fields.headline}`);

  // The hero image is a file uploaded before, found by searching the uploads.
  await page.getByRole('button', { name: 'Choose an uploaded file…' }).click();
  await page.getByLabel('Search uploaded files for Hero image').fill('trail');
  await page.getByText('1 file matches: choose one.').waitFor();
  const option = page.getByRole('button', { name: /^trail-shoe\.png/ });
  await page.locator('.asset-thumb img').waitFor();
  await imagesLoaded(page);
  await calm(page);
  await page.locator('[data-path="fields.hero"]').screenshot({ path: path.join(shots, 'choose-upload.png') });
  await option.click();
  await page.locator('[data-path="fields.hero"] .asset-preview img').waitFor();
  assert((await page.getByLabel('Alt text of Hero image').inputValue()) === 'Trail shoe', 'the upload\'s own alt text is offered');

  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText(`Saved version ${stored.version + 1}`).waitFor();
  const withHero = (await admin('GET', `/entries/promo_banner/${id}`)).body;
  assert(withHero.fields.hero && withHero.fields.hero.id === shared.asset && withHero.fields.hero.alt === 'Trail shoe', `the chosen upload is saved: ${JSON.stringify(withHero.fields.hero)}`);

  // Signing out ends the session on the server, not only in the tab.
  const current = await page.evaluate(() => sessionStorage.getItem('herald.refresh'));
  assert(current && current !== refresh, 'a new session');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to Herald' }).waitFor();
  assert((await page.evaluate(() => sessionStorage.getItem('herald.refresh'))) === null, 'the tab forgets the session');
  const reuse = await fetch(`${server.base}/api/v1/auth/refresh`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refresh_token: current }) });
  assert(reuse.status === 401, `the server ended it: ${reuse.status}`);
  assert(await page.locator('#topbar').isHidden(), 'no menu when signed out');
  await context.close();
});

test('what is typed while a save is under way stays unsaved, and leaving warns', async () => {
  const marie = await client(server.base, MARKETER.email, MARKETER.password);
  const made = await marie('POST', '/entries/promo_banner', { fields: { headline: 'Typing race' } });
  assert(made.status === 201, `create: ${made.status} ${JSON.stringify(made.body)}`);
  const id = made.body.id;
  const context = await newContext();
  const page = await signIn(context, MARKETER);
  await openEntry(page, 'promo_banner', id, /Typing race/);
  let release;
  const held = new Promise((r) => {
    release = r;
  });
  await page.route(`**/api/v1/entries/promo_banner/${id}`, async (route) => {
    if (route.request().method() === 'PUT') await held;
    await route.continue();
  });
  await page.getByLabel('Button text').fill('Sent');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByLabel('Button text').fill('Typed while saving');
  release();
  await page.getByText(/changes made since are not saved yet/).waitFor();
  assert((await page.locator('.save-state.dirty').count()) === 1, 'still marked unsaved');
  const stored = (await admin('GET', `/entries/promo_banner/${id}`)).body;
  assert(stored.fields.cta_label === 'Sent', `what was sent is saved: ${stored.fields.cta_label}`);
  let asked = '';
  page.once('dialog', (d) => {
    asked = d.message();
    d.dismiss();
  });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
  await sleep(300);
  assert(asked.includes('unsaved changes'), `leaving warns: ${asked}`);
  assert((await page.getByLabel('Button text').inputValue()) === 'Typed while saving', 'the text is still there');
  await page.unroute(`**/api/v1/entries/promo_banner/${id}`);
  await context.close();
});

test('list items get nested defaults, and moving one keeps what is half-typed in the others', async () => {
  const context = await newContext();
  const page = await signIn(context, MARKETER);
  await page.goto(`${server.base}/admin/#/entries/landing_page/new`);
  await page.getByRole('heading', { name: 'New landing page' }).waitFor();
  assert((await page.getByLabel('Page name').getAttribute('aria-required')) === 'true', 'the page name is required');
  const sections = page.locator('fieldset[data-path="fields.sections"]');
  const described = await sections.getAttribute('aria-describedby');
  assert(described && (await page.locator(`[id="${described.split(' ')[0]}"]`).textContent()).includes('The blocks of the page'), `the list is described by its help: ${described}`);
  await page.getByRole('button', { name: 'Add section' }).click();
  await page.getByRole('button', { name: 'Add section' }).click();
  const at = (i, name) => page.locator(`[data-path="fields.sections[${i}].${name}"]`).locator('input, select').first();
  for (const i of [0, 1]) {
    assert((await at(i, 'columns').inputValue()) === '4', `section ${i + 1} has the default columns`);
    assert((await at(i, 'theme').inputValue()) === 'light', `section ${i + 1} has the default theme`);
    assert((await at(i, 'newsletter_list').inputValue()) === 'general', `section ${i + 1} has the default newsletter list`);
    assert((await at(i, 'kind').getAttribute('aria-required')) === 'true', 'a required select says so');
  }
  await at(0, 'heading').fill('First');
  await at(1, 'heading').fill('Second');
  await at(1, 'columns').fill('');
  await at(1, 'columns').focus();
  await page.keyboard.type('1e');
  assert(await at(1, 'columns').evaluate((el) => el.validity.badInput), 'half-typed number');
  await page.getByRole('button', { name: 'Move section 2 up' }).click();
  assert((await at(0, 'heading').inputValue()) === 'Second', 'the item moved');
  assert(await at(0, 'columns').evaluate((el) => el.validity.badInput), 'the half-typed number moved with it');
  assert((await at(1, 'heading').inputValue()) === 'First', 'the other item moved down');
  assert((await page.locator('fieldset[data-path="fields.sections[0]"] > legend').textContent()).startsWith('Section 1'), 'labels are renumbered');
  await page.getByLabel('Page name').fill('Spring landing');
  await page.getByRole('button', { name: 'Create draft' }).click();
  const error = page.locator('[data-path="fields.sections[0].columns"] .field-error');
  await error.waitFor();
  assert((await error.textContent()).includes('whole number'), `the error is at the moved item: ${await error.textContent()}`);
  await context.close();
});

test('history loads older versions page by page', async () => {
  const marie = await client(server.base, MARKETER.email, MARKETER.password);
  const made = await marie('POST', '/entries/faq', { fields: { question: 'How long is delivery?', answer: 'Two working days.' } });
  assert(made.status === 201, `create: ${made.status} ${JSON.stringify(made.body)}`);
  const type = 'faq';
  shared.faq = made.body.id;
  let tag = made.etag;
  for (let i = 2; i <= 23; i += 1) {
    const fields = { ...made.body.fields, answer: `Two working days (take ${i}).` };
    const r = await marie('PUT', `/entries/${type}/${made.body.id}`, { fields }, { 'If-Match': tag });
    assert(r.status === 200, `version ${i}: ${r.status} ${JSON.stringify(r.body)}`);
    tag = r.etag;
  }
  const context = await newContext();
  const page = await signIn(context, MARKETER);
  await page.goto(`${server.base}/admin/#/entries/${type}/${made.body.id}`);
  await page.locator('.workflow .status-line').waitFor();
  const versions = page.locator('.revisions li');
  await page.getByRole('button', { name: 'Version 23', exact: true }).waitFor();
  assert((await versions.count()) === 20, `a first page: ${await versions.count()}`);
  await page.getByRole('button', { name: 'Load older versions' }).click();
  await page.getByRole('button', { name: 'Version 1', exact: true }).waitFor();
  assert((await versions.count()) === 23, `every version: ${await versions.count()}`);
  assert(await page.getByRole('button', { name: 'Load older versions' }).isHidden(), 'nothing older');
  await context.close();
});

test('history compares any two versions side by side, and restores from there', async () => {
  // The FAQ of the paging test has 23 versions, the answer changing in each.
  const faq = (await admin('GET', `/entries/faq/${shared.faq}`)).body;
  assert(faq.version === 23, `the FAQ has 23 versions: ${faq.version}`);
  const context = await newContext();
  const page = await signIn(context, MARKETER);
  await openEntry(page, 'faq', faq.id, /How long is delivery/);
  await page.getByRole('button', { name: 'Version 23', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Compare versions' });
  await dialog.waitFor();
  // A version opens against the one before it, changed words marked.
  assert((await dialog.getByLabel('Compare', { exact: true }).inputValue()) === '22' && (await dialog.getByLabel('with', { exact: true }).inputValue()) === '23', 'version 23 against 22');
  const answer = dialog.locator('tr[data-field="answer"]');
  await answer.locator('del', { hasText: '22' }).waitFor();
  assert((await answer.locator('ins').textContent()) === '23', `the changed word is marked: ${await answer.locator('ins').textContent()}`);
  assert((await dialog.locator('tr[data-field="question"]').count()) === 0, 'unchanged fields are left out');
  await dialog.getByLabel('Show unchanged fields').check();
  await dialog.locator('tr.unchanged[data-field="question"]').waitFor();
  // Any two versions: the first against the latest.
  await dialog.getByLabel('Compare', { exact: true }).selectOption('1');
  await answer.locator('td.old', { hasText: 'Two working days.' }).waitFor();
  assert((await answer.locator('td.new').textContent()) === 'Two working days (take 23).', 'the latest on the right');
  assert((await dialog.locator('thead').textContent()).includes('Version 1'), 'the columns are named');
  const wide = await dialog.evaluate((d) => d.getBoundingClientRect().width / window.innerWidth);
  assert(wide > 0.9, `the comparison uses the window's width: ${wide}`);
  await calm(page);
  await page.screenshot({ path: path.join(shots, 'history.png') });
  // Restore version 5 from the dialog: a new version with its fields.
  await dialog.getByLabel('Compare', { exact: true }).selectOption('5');
  page.once('dialog', (d) => d.accept());
  await dialog.getByRole('button', { name: 'Restore version 5' }).click();
  await page.getByText('Restored version 5 as a new draft.').waitFor();
  await dialog.waitFor({ state: 'detached' });
  const restored = (await admin('GET', `/entries/faq/${faq.id}`)).body;
  assert(restored.version === 24 && restored.fields.answer === 'Two working days (take 5).', `restored: ${restored.version} ${restored.fields.answer}`);
  await page.getByRole('button', { name: 'Version 24', exact: true }).waitFor();
  await context.close();
});

test('restoring from the comparison asks before dropping unsaved edits', async () => {
  const context = await newContext();
  const page = await signIn(context, MARKETER);
  await openEntry(page, 'promo_banner', shared.banner, /Autumn sale/);
  const before = await admin('GET', `/entries/promo_banner/${shared.banner}`);
  await page.getByLabel('Button text').fill('Not saved yet');
  await page.getByRole('button', { name: 'Version 1', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Compare versions' });
  await dialog.waitFor();
  // The first version opens against what is in the editor, unsaved edits included.
  assert((await dialog.getByLabel('with', { exact: true }).inputValue()) === 'editor', 'version 1 against the editor');
  await dialog.locator('tr[data-field="cta_label"] td.new', { hasText: 'Not saved yet' }).waitFor();
  let asked = '';
  page.once('dialog', (d) => {
    asked = d.message();
    d.dismiss();
  });
  await dialog.getByRole('button', { name: 'Restore version 1' }).click();
  assert(asked.includes('unsaved changes'), `the restore warns about unsaved edits: ${asked}`);
  await dialog.getByRole('button', { name: 'Close' }).first().click();
  assert((await page.getByLabel('Button text').inputValue()) === 'Not saved yet', 'the edit is still in the form');
  const after = await admin('GET', `/entries/promo_banner/${shared.banner}`);
  assert(after.body.version === before.body.version, 'nothing was restored');
  await context.close();
});

test('under four eyes, a publisher is told they cannot approve their own change', async () => {
  const paula = await client(server.base, PUBLISHER.email, PUBLISHER.password);
  const own = await paula('POST', '/entries/promo_banner', { fields: { headline: 'Winter teaser' } });
  assert(own.status === 201, `create: ${own.status} ${JSON.stringify(own.body)}`);
  const submitted = await paula('POST', `/entries/promo_banner/${own.body.id}/submit`, {});
  assert(submitted.status === 200, `submit: ${submitted.status}`);
  const context = await newContext();
  const page = await signIn(context, PUBLISHER);
  const review = page.getByRole('region', { name: 'Waiting for my review' });
  await review.getByRole('link', { name: 'Autumn sale' }).waitFor();
  assert((await review.getByRole('link', { name: 'Winter teaser' }).count()) === 0, 'my own change is not waiting for my review');
  await openEntry(page, 'promo_banner', own.body.id, /Winter teaser/);
  const approve = page.getByRole('button', { name: 'Approve', exact: true });
  assert(await approve.isDisabled(), 'Approve is disabled');
  assert((await page.locator('.workflow .note').textContent()).includes('four-eyes'), 'the reason is shown');
  assert((await page.getByRole('button', { name: 'Publish…' }).count()) === 0, 'no Publish before approval (the type needs review)');

  // Once someone else approved it, Paula may schedule it: the Status box and the dashboard show
  // the publication waiting for its time.
  const approved = await admin('POST', `/entries/promo_banner/${own.body.id}/approve`, {});
  assert(approved.status === 200, `approve: ${approved.status} ${JSON.stringify(approved.body)}`);
  await page.reload();
  await page.getByRole('heading', { level: 1, name: /Winter teaser/ }).waitFor();
  await page.locator('.workflow .badge.status-approved').waitFor();
  await page.getByRole('button', { name: 'Publish…' }).click();
  const tomorrow = new Date(Date.now() + 24 * 3600 * 1000);
  const pad = (n) => String(n).padStart(2, '0');
  await page.getByLabel('Publish at').fill(`${tomorrow.getFullYear()}-${pad(tomorrow.getMonth() + 1)}-${pad(tomorrow.getDate())}T10:00`);
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await page.locator('.workflow .job-status.job-scheduled').waitFor();
  const entry = (await admin('GET', `/entries/promo_banner/${own.body.id}`)).body;
  assert(entry.status === 'approved' && entry.publish_at, `scheduled: ${entry.status} ${entry.publish_at}`);
  await page.getByText(/^Publishes /).waitFor();
  await page.goto(`${server.base}/admin/#/`);
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  await page.getByRole('region', { name: 'Scheduled' }).getByRole('link', { name: 'Winter teaser' }).waitFor();
  await context.close();
});

test('a refused approval says why, in the Status box and beside the field', async () => {
  const draft = await admin('POST', '/entries/product', {
    fields: { name: 'Summit Pro', sku: 'SP-1000', description: 'A stiff mountaineering boot for glaciers and long alpine days, crampon compatible.', price: 289, currency: 'EUR', images: [{ id: shared.asset, alt: 'Boot' }] },
  });
  assert(draft.status === 201, `product: ${draft.status} ${JSON.stringify(draft.body)}`);
  const marie = await client(server.base, MARKETER.email, MARKETER.password);
  const banner = await marie('POST', '/entries/promo_banner', { fields: { headline: 'Alpine week', products: [{ type: 'product', id: draft.body.id }] } });
  assert(banner.status === 201, `banner: ${banner.status} ${JSON.stringify(banner.body)}`);
  assert((await marie('POST', `/entries/promo_banner/${banner.body.id}/submit`, {})).status === 200, 'submit');
  const context = await newContext();
  const page = await signIn(context, PUBLISHER);
  await openEntry(page, 'promo_banner', banner.body.id, /Alpine week/);
  await page.getByRole('button', { name: 'Approve', exact: true }).click();
  const message = page.locator('.workflow .workflow-message');
  await message.waitFor();
  const text = await message.textContent();
  assert(text.includes('Approve: not done') && text.includes('Featured products, item 1') && text.includes('not published'), `the panel says why: ${text}`);
  const beside = page.locator('[data-path="fields.products[0]"] > .field-error');
  assert((await beside.textContent()).includes('not published'), 'the error is beside the product');
  await page.locator('.workflow .badge.status-in_review').waitFor(); // nothing changed
  await context.close();
});

test('a publisher approves and publishes; the job, the bucket and the dashboard show it', async () => {
  const context = await newContext();
  const page = await signIn(context, PUBLISHER);
  await openEntry(page, 'promo_banner', shared.banner, /Autumn sale/);
  await page.locator('.workflow .badge.status-in_review').waitFor();
  assert((await page.getByRole('button', { name: 'Publish…' }).count()) === 0, 'no Publish while in review');
  await page.getByRole('button', { name: 'Approve', exact: true }).click();
  await page.locator('.workflow .badge.status-approved').waitFor();
  await page.getByRole('button', { name: 'Reject…' }).waitFor(); // an approved entry can still be rejected
  await page.getByRole('button', { name: 'Publish…' }).click();
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await page.locator('.workflow .badge.status-published').waitFor();
  // The Status box follows the job until the worker has written the bucket.
  await page.locator('.workflow .job-status[data-status="done"]').waitFor({ timeout: 30000 });
  await calm(page);
  await page.locator('.side').screenshot({ path: path.join(shots, 'published.png') });

  const jobs = await admin('GET', `/publish/jobs?entry_id=${shared.banner}&limit=5`);
  assert(jobs.status === 200 && jobs.body.items.length > 0, `the entry has jobs: ${JSON.stringify(jobs.body)}`);
  const job = await waitForJob(admin, jobs.body.items[0].id);
  assert(job.kind === 'publish', `the latest job publishes: ${job.kind}`);
  const entry = (await admin('GET', `/entries/promo_banner/${shared.banner}`)).body;
  assert(entry.status === 'published' && entry.published_version === entry.version, `published: ${entry.status} ${entry.published_version}`);
  const key = `content/promo_banner/${entry.locale}/${entry.slug}.json`;
  const file = path.join(server.bucket, key);
  assert(existsSync(file), `the bucket has ${key}`);
  const written = JSON.parse(readFileSync(file, 'utf8'));
  assert(written.id === shared.banner && written.fields.headline === 'Autumn sale', `the bucket object is the entry: ${JSON.stringify(written).slice(0, 200)}`);
  assert(written.fields.products[0].id === shared.product.id, 'the product reference is published');
  // The uploaded hero image is copied into the bucket under assets/, where the JSON points.
  const hero = written.fields.hero;
  assert(hero && /^assets\/[0-9a-f]{64}\/autumn\.png$/.test(hero.url), `the hero is published under assets/: ${JSON.stringify(hero)}`);
  assert(existsSync(path.join(server.bucket, hero.url)), `the bucket has ${hero.url}`);
  assert(readFileSync(path.join(server.bucket, hero.url)).subarray(1, 4).toString() === 'PNG', 'the published file is the image');

  await page.goto(`${server.base}/admin/#/`);
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  await page.getByRole('region', { name: 'Recently published' }).getByRole('link', { name: 'Autumn sale' }).waitFor();
  const row = page.locator(`.pipeline tr[data-entry="${shared.banner}"]`).first();
  await row.locator('.job-status[data-status="done"]').waitFor();
  await page.getByRole('region', { name: 'Scheduled' }).getByRole('link', { name: 'Winter teaser' }).waitFor();
  await calm(page);
  await page.screenshot({ path: path.join(shots, 'dashboard.png'), fullPage: true });

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Promo banner' }).click();
  await page.getByRole('heading', { level: 1, name: 'Promo banner' }).waitFor();
  await page.getByRole('link', { name: 'Autumn sale' }).waitFor();
  // The locale filter offers the server's locales.
  const locales = await page.getByLabel('Locale').locator('option').evaluateAll((os) => os.map((o) => o.value));
  assert(JSON.stringify(locales) === JSON.stringify(['', ...LOCALES]), `the locale filter: ${locales}`);
  await calm(page);
  await page.screenshot({ path: path.join(shots, 'list.png') });
  await page.getByLabel('Locale').selectOption(LOCALES[1]);
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByText('No entries match.').waitFor();
  await context.close();
});

test('an admin limits a user and a token to some content types', async () => {
  const context = await newContext();
  const page = await signIn(context, ADMIN);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  await page.getByRole('cell', { name: MARKETER.email, exact: true }).waitFor();
  const form = page.locator('form', { has: page.getByRole('heading', { name: 'New user' }) });
  await form.getByLabel('E-mail').fill('fred@shop.example');
  await form.getByLabel('Password (12+ characters)').fill('frequently asked 12345');
  await form.getByLabel('All content types').uncheck();
  await form.getByLabel('FAQ', { exact: true }).check();
  await form.getByRole('button', { name: 'Create user' }).click();
  const fredRow = page.getByRole('row', { name: /fred@shop\.example/ });
  await fredRow.waitFor();
  const users = (await admin('GET', '/users?limit=200')).body.items;
  const fred = users.find((u) => u.email === 'fred@shop.example');
  assert(fred && JSON.stringify(fred.content_types) === '["faq"]', `the user is limited: ${JSON.stringify(fred && fred.content_types)}`);

  // A role changes only on Save: arrow keys and picking another role change nothing yet.
  const fredRole = fredRow.getByLabel('Role of fred@shop.example', { exact: true });
  await fredRole.focus();
  await page.keyboard.press('ArrowDown');
  await fredRole.selectOption('publisher');
  const saveRole = fredRow.getByRole('button', { name: 'Save the role of fred@shop.example' });
  await saveRole.waitFor();
  await sleep(300);
  const unchanged = (await admin('GET', `/users/${fred.id}`)).body;
  assert(unchanged.role === 'editor', `not saved before Save: ${unchanged.role}`);
  await calm(page);
  await page.screenshot({ path: path.join(shots, 'users.png'), fullPage: true });
  await saveRole.click();
  await saveRole.waitFor({ state: 'hidden' });
  const promoted = (await admin('GET', `/users/${fred.id}`)).body;
  assert(promoted.role === 'publisher', `saved: ${promoted.role}`);
  // Cancel puts the saved role back.
  await fredRole.selectOption('viewer');
  await fredRow.getByRole('button', { name: 'Keep the role of fred@shop.example' }).click();
  assert((await fredRole.inputValue()) === 'publisher', 'cancel restores the saved role');
  assert((await admin('GET', `/users/${fred.id}`)).body.role === 'publisher', 'cancel saves nothing');
  await fredRow.getByRole('button', { name: 'Change the content types of fred@shop.example' }).click();
  await fredRow.getByLabel('All content types').check();
  await fredRow.getByRole('button', { name: 'Save' }).click();
  await fredRow.getByText('all', { exact: true }).waitFor();
  const again = (await admin('GET', '/users?limit=200')).body.items.find((u) => u.email === 'fred@shop.example');
  assert(again.content_types === null || again.content_types === undefined, `the limit is lifted: ${JSON.stringify(again.content_types)}`);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API tokens' }).click();
  await page.getByRole('heading', { level: 1, name: 'API tokens' }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill('product import');
  await page.getByLabel('Role').selectOption('editor');
  await page.getByLabel('All content types').uncheck();
  await page.getByLabel('Product', { exact: true }).check();
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.locator('code.secret').waitFor();
  const tokens = (await admin('GET', '/tokens')).body.items;
  const token = tokens.find((t) => t.name === 'product import');
  assert(token && JSON.stringify(token.content_types) === '["product"]', `the token is limited: ${JSON.stringify(token && token.content_types)}`);

  // The audit log shows what just happened, by whom, and filters by action.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
  const roleRow = page.getByRole('row', { name: /user\.update/ }).first();
  await roleRow.waitFor();
  assert((await roleRow.textContent()).includes(ADMIN.email), `the actor is named: ${await roleRow.textContent()}`);
  await page.getByLabel('Action (or prefix like auth.)').fill('token.');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForFunction(() => {
    const actions = [...document.querySelectorAll('main tbody tr td:nth-child(3)')].map((td) => td.textContent);
    return actions.length > 0 && actions.every((a) => a.startsWith('token.'));
  });
  await page.getByRole('row', { name: /token\.create/ }).first().waitFor();
  await calm(page);
  await page.screenshot({ path: path.join(shots, 'audit.png') });
  await context.close();
});

test('my drafts are found behind more than a page of other people\'s drafts', async () => {
  const marie = await client(server.base, MARKETER.email, MARKETER.password);
  const mine = await marie('POST', '/entries/faq', { fields: { question: 'Where is my parcel?', answer: 'Follow the link in your shipping e-mail.' } });
  assert(mine.status === 201, `create: ${mine.status} ${JSON.stringify(mine.body)}`);
  for (let i = 1; i <= 55; i += 1) {
    const r = await admin('POST', '/entries/faq', { fields: { question: `Admin question ${i}?`, answer: 'An answer that is long enough.' } });
    assert(r.status === 201, `admin faq ${i}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  const context = await newContext();
  const page = await signIn(context, MARKETER);
  await page.getByRole('region', { name: 'My drafts' }).getByRole('link', { name: 'Where is my parcel?' }).waitFor();
  await context.close();
});

test('the dashboard and the editor fit a tablet screen', async () => {
  const context = await newContext({ width: 768, height: 1024 });
  const page = await signIn(context, PUBLISHER);
  assert(!(await overflows(page)), 'the dashboard has no horizontal scroll');
  await openEntry(page, 'promo_banner', shared.banner, /Autumn sale/);
  assert(!(await overflows(page)), 'the editor has no horizontal scroll');
  await context.close();
});

let failed = 0;
try {
  for (const t of tests) {
    try {
      await t.fn();
      console.log(`ok: ${t.name}`);
    } catch (error) {
      failed += 1;
      console.log(`FAILED: ${t.name}\n  ${error.stack || error}`);
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
console.log(failed ? `${failed} failed` : 'all browser tests passed');
process.exit(failed ? 1 : 0);
