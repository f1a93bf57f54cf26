// Browser tests of the admin UI: Debian's chromium driven by playwright-core against the real
// `herald` binary. Run by scripts/browser-tests.sh. Screenshots of key screens go to
// docs/admin-ui/ (the marketers' guide docs/admin-ui.md shows them).

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { ADMIN, client, png, startServer } from './server.mjs';

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
const pending = (name, why) => tests.push({ name, pending: why });
function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

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

async function newContext() {
  return browser.newContext({ viewport: { width: 1200, height: 900 } });
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

test('a marketer creates a promo banner with a product, an image, fixes a validation error and submits', async () => {
  const context = await newContext();
  const page = await signIn(context, MARKETER);
  await page.screenshot({ path: path.join(shots, 'dashboard.png') });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Promo banner' }).click();
  await page.getByRole('heading', { name: 'Promo banner' }).waitFor();
  await page.getByRole('link', { name: 'New promo banner' }).click();
  await page.getByRole('heading', { name: 'New promo banner' }).waitFor();

  // Too long: the API refuses it and the error shows at the headline field.
  await page.getByLabel('Headline').fill('Autumn sale: '.padEnd(95, '!'));
  await page.getByLabel('Body').fill('Up to **40 %** off [trail shoes](https://shop.example/trail).');
  await page.locator('.markdown-preview strong').waitFor();
  await page.getByRole('button', { name: 'Add product' }).click();
  await page.getByPlaceholder('Search product').fill('Trail');
  await page.getByRole('option', { name: /Trail Runner 3/ }).click();
  await page.locator('.picker-current .chosen', { hasText: 'Trail Runner 3' }).waitFor();
  await page.getByLabel('Hero image').setInputFiles({ name: 'autumn.png', mimeType: 'image/png', buffer: png() });
  await page.locator('.asset-preview img').waitFor();
  const src = await page.locator('.asset-preview img').getAttribute('src');
  assert(src && src.startsWith('blob:'), `image preview is a blob URL: ${src}`);
  await page.getByLabel('Alt text').fill('Autumn leaves over a trail');
  await page.getByRole('button', { name: 'Create draft' }).click();
  const headlineError = page.locator('[data-path="fields.headline"] .field-error');
  await headlineError.waitFor();
  assert((await headlineError.textContent()).includes('80'), 'the error names the limit');
  await page.locator('[data-path="fields.headline"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shots, 'validation-error.png') });

  await page.getByLabel('Headline').fill('Autumn sale');
  await page.getByRole('button', { name: 'Create draft' }).click();
  await page.getByRole('heading', { name: /Autumn sale/ }).waitFor();
  await page.getByRole('button', { name: 'Save' }).waitFor();
  const url = page.url();
  const id = url.split('/').pop();
  shared.banner = id;
  const stored = await admin('GET', `/entries/promo_banner/${id}`);
  assert(stored.body.fields.products[0].id === shared.product.id, 'the product reference is stored');
  assert(stored.body.fields.hero && stored.body.fields.hero.alt === 'Autumn leaves over a trail', 'the image is stored');
  await page.screenshot({ path: path.join(shots, 'editor.png'), fullPage: true });

  await page.getByRole('button', { name: 'Submit for review' }).click();
  const submitted = await page
    .locator('.workflow .badge.status-in_review')
    .waitFor({ timeout: 5000 })
    .then(() => true)
    .catch(() => false);
  if (!submitted) {
    // The workflow routes are not on this server yet: the UI must say so, not break.
    await page.getByText('not available on this server yet').waitFor();
    console.log('  (submit: workflow routes not on this server yet; the UI said so)');
  }
  await context.close();
});

test('a viewer sees no edit or publish buttons, and the API refuses their edits anyway', async () => {
  const context = await newContext();
  const page = await signIn(context, VIEWER);
  await page.goto(`${server.base}/admin/#/entries/promo_banner/${shared.banner}`);
  await page.getByRole('heading', { name: /Autumn sale/ }).waitFor();
  for (const name of ['Save', 'Submit for review', 'Publish…', 'Approve', 'Unpublish']) {
    assert((await page.getByRole('button', { name, exact: true }).count()) === 0, `no ${name} button`);
  }
  assert(await page.getByLabel('Headline').isDisabled(), 'fields are read-only');
  await page.screenshot({ path: path.join(shots, 'viewer.png') });
  const viewer = await client(server.base, VIEWER.email, VIEWER.password);
  const current = await viewer('GET', `/entries/promo_banner/${shared.banner}`);
  const refused = await viewer('PATCH', `/entries/promo_banner/${shared.banner}`, { fields: { headline: 'Hacked' } }, { 'If-Match': current.etag, 'Content-Type': 'application/merge-patch+json' });
  assert(refused.status === 403, `the API refuses a viewer's edit: ${refused.status}`);
  await context.close();
});

test('a save conflict between two sessions is shown, not lost', async () => {
  const one = await newContext();
  const two = await newContext();
  const a = await signIn(one, MARKETER);
  const b = await signIn(two, MARKETER);
  const at = `${server.base}/admin/#/entries/promo_banner/${shared.banner}`;
  await a.goto(at);
  await b.goto(at);
  await a.getByRole('button', { name: 'Save' }).waitFor();
  await b.getByRole('button', { name: 'Save' }).waitFor();
  await a.getByLabel('Button text').fill('Buy now');
  await a.getByRole('button', { name: 'Save' }).click();
  await a.getByText(/Saved version/).waitFor();
  await b.getByLabel('Button text').fill('Grab a deal');
  await b.getByRole('button', { name: 'Save' }).click();
  const dialog = b.getByRole('dialog', { name: 'Someone else saved this entry meanwhile' });
  await dialog.waitFor();
  assert((await dialog.getByText('Buy now').count()) > 0, 'their value is shown');
  assert((await dialog.getByText('Grab a deal').count()) > 0, 'my value is shown');
  await b.screenshot({ path: path.join(shots, 'conflict.png') });
  await dialog.getByRole('button', { name: 'Overwrite with mine' }).click();
  await b.getByText(/Saved version/).waitFor();
  const stored = await admin('GET', `/entries/promo_banner/${shared.banner}`);
  assert(stored.body.fields.cta_label === 'Grab a deal', `overwritten knowingly: ${stored.body.fields.cta_label}`);
  await one.close();
  await two.close();
});

test('history shows a side-by-side diff', async () => {
  const context = await newContext();
  const page = await signIn(context, MARKETER);
  await page.goto(`${server.base}/admin/#/entries/promo_banner/${shared.banner}`);
  await page.getByRole('button', { name: 'Version 1' }).click();
  await page.getByRole('heading', { name: 'Version 1 compared with the editor' }).waitFor();
  await page.locator('table.diff').waitFor();
  await page.locator('.side').screenshot({ path: path.join(shots, 'history.png') });
  await context.close();
});

{
  const doc = await (await fetch(`${server.base}/api/v1/openapi.json`)).json();
  if (!doc.paths['/api/v1/entries/{type}/{id}/approve']) {
    pending('a publisher approves and publishes', 'the workflow routes are not in this branch yet');
  } else {
    test('a publisher approves and publishes', async () => {
      const context = await newContext();
      const page = await signIn(context, PUBLISHER);
      await page.goto(`${server.base}/admin/#/entries/promo_banner/${shared.banner}`);
      const approve = page.getByRole('button', { name: 'Approve' });
      if (await approve.count()) await approve.click();
      await page.getByRole('button', { name: 'Publish…' }).click();
      await page.getByRole('button', { name: 'Publish', exact: true }).click();
      await page.locator('.workflow .badge.status-published').waitFor();
      await context.close();
    });
  }
}

let failed = 0;
try {
  for (const t of tests) {
    if (t.pending) {
      console.log(`- pending: ${t.name} (${t.pending})`);
      continue;
    }
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
