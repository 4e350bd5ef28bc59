// The platform's story in a real browser: a hotspot operator reads the landing page, signs up
// on Basic, is refused a second router with a clear message, pays the first invoice through
// the Pesapal stand-in, and an administrator created with `tiketi admin add` logs in (setting
// up two-step login) and finds that operator and the payment in /admin. Starts its own
// `tiketi serve` on a free port with a fresh data directory, and stops it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { binary, env, startTiketi } from './harness.mjs';

let tiketi, baseUrl, browser;

before(async () => {
  tiketi = await startTiketi('platform', (dataDir) => {
    const added = spawnSync(binary, ['admin', 'add', 'ops@tiketi.example', '--password-stdin', '--name', 'Wanjiru', '--data-dir', dataDir],
      { env, input: 'platform secret 42\n', encoding: 'utf8' });
    assert.equal(added.status, 0, added.stderr);
  });
  ({ baseUrl, browser } = tiketi);
});

after(async () => {
  await tiketi?.stop();
});

// RFC 6238 TOTP (SHA-1, 6 digits, 30 s), as an authenticator app computes it.
function totp(base32, step) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1000000;
  return String(code).padStart(6, '0');
}

async function addRouter(page, name) {
  await page.goto(`${baseUrl}/portal/routers/new`);
  await page.locator('#name').fill(name);
  await page.locator('#location').fill('Kisumu');
  await page.locator('#hotspot_dns').fill('login.wifi');
  await page.locator('#interface').fill('bridge');
  await page.locator('#address').fill('192.168.88.1');
  await page.locator('#pool').fill('192.168.88.10-192.168.88.254');
  await page.locator('main form button[type=submit]').first().click();
}

test('an operator signs up on Basic, meets its limit, pays, and the administrator sees it', async () => {
  const context = await browser.newContext({ locale: 'en-KE', viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();

  // The landing page's Basic plan leads to sign-up with the plan chosen.
  await page.goto(`${baseUrl}/`);
  await page.locator('a[href="/portal/signup?plan=basic"]').first().click();
  await page.waitForURL(/\/portal\/signup\?plan=basic$/);
  assert.equal(await page.locator('input[name=plan][value=basic]').isChecked(), true);
  await page.locator('#business_name').fill('Baraka WiFi');
  await page.locator('#email').fill('baraka@example.com');
  await page.locator('#phone').fill('0712 345 678');
  await page.locator('#password').fill('a long password 1');
  await page.locator('main form button[type=submit]').first().click();
  await page.waitForURL(`${baseUrl}/portal`);

  await addRouter(page, 'Shop');
  await page.waitForURL(/\/portal\/routers\/[0-9A-Za-z]+$/);
  await addRouter(page, 'Second shop');
  const refusal = await page.locator('.error').innerText();
  assert.match(refusal, /Basic plan allows 1 router\./);
  assert.match(refusal, /Settings → Plan/);

  // Settings → Plan: the trial, and the first invoice paid on the stand-in's page.
  await page.goto(`${baseUrl}/portal/plan`);
  assert.equal(await page.locator('#status').getAttribute('data-status'), 'trial');
  await page.locator('#invoices button[type=submit]').first().click();
  await page.waitForURL(/pesapal-sandbox\/pay\//);
  await page.getByRole('button', { name: /Pay with M-Pesa/ }).click();
  await page.waitForURL(/\/portal\/plan\/invoices\/\d+/);
  await page.locator('#invoice-status').getByText('Paid').waitFor();
  await page.goto(`${baseUrl}/portal/plan`);
  assert.equal(await page.locator('#status').getAttribute('data-status'), 'active');
  await context.close();

  // The administrator: password, then two-step login set up at this first login.
  const admin = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const console_ = await admin.newPage();
  await console_.goto(`${baseUrl}/admin`);
  await console_.waitForURL(/\/admin\/login$/);
  await console_.locator('#email').fill('ops@tiketi.example');
  await console_.locator('#password').fill('platform secret 42');
  await console_.locator('main form button[type=submit]').click();
  await console_.waitForURL(/\/admin\/two-factor$/);
  const secret = (await console_.locator('#totp-secret').innerText()).trim();
  assert.ok(await console_.locator('.qr svg').count() > 0, 'a QR code to scan');
  await console_.locator('#code').fill(totp(secret, Math.floor(Date.now() / 30000)));
  await console_.locator('main form button[type=submit]').click();
  await console_.waitForURL(`${baseUrl}/admin`);
  assert.match(await console_.locator('#revenue-month').innerText(), /KES 500/);

  await console_.goto(`${baseUrl}/admin/operators`);
  await console_.locator('#q').fill('Baraka');
  await console_.locator('main form button[type=submit]').click();
  await console_.getByRole('link', { name: 'Baraka WiFi' }).click();
  await console_.locator('#status[data-status=active]').waitFor();
  const invoices = await console_.locator('#invoices').innerText();
  assert.match(invoices, /INV-\d{6}/);
  assert.match(invoices, /Paid · Pesapal/);
  await admin.close();
});
