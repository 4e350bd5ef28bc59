// A customer's purchase in a real browser: the router's login page, the checkout, the Pesapal
// sandbox stand-in's pay page, the voucher page and its Connect button, in English and Swahili.
// Starts its own `tiketi serve` on a free port with a fresh data directory, and stops it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const binary = process.env.TIKETI_BIN ?? join(process.env.CARGO_TARGET_DIR ?? '/var/tmp/tiketi-target', 'debug', 'tiketi');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
let server, baseUrl, browser, dataDir;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tiketi-browser-'));
  server = spawn(binary, ['serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, PESAPAL_CONSUMER_KEY: '', PESAPAL_CONSUMER_SECRET: '', PUBLIC_BASE_URL: '', RUST_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  baseUrl = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`tiketi did not start: ${out}`)), 30000);
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/Tiketi is running at (\S+)/);
      if (match) { clearTimeout(timer); resolve(match[1]); }
    });
    server.on('exit', (code) => reject(new Error(`tiketi exited with ${code}: ${out}`)));
  });
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function buy(page, { packageName, phone, payButton }) {
  await page.goto(`${baseUrl}/demo-router/login`);
  await page.getByRole('link', { name: /buy one/i }).click();
  await page.getByLabel(new RegExp(packageName)).check();
  await page.locator('#phone').fill(phone);
  await page.locator('form.card button[type=submit]').click();
  await page.waitForURL(/pesapal-sandbox\/pay\//);
  await page.getByRole('button', { name: payButton }).click();
  await page.waitForURL(/\/checkout\/demo\/orders\//);
}

test('a customer buys a voucher and connects with it', async () => {
  const context = await browser.newContext({ locale: 'en-KE', viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await buy(page, { packageName: '1 Hour WiFi', phone: '0712 345 678', payButton: /Pay with M-Pesa/ });
  const code = page.locator('[data-voucher]');
  await code.waitFor({ timeout: 15000 });
  const voucher = (await code.textContent()).trim();
  assert.match(voucher, /^[2-9A-HJKMNP-Z]{10}$/);
  await page.screenshot({ path: join(tmpdir(), 'tiketi-voucher.png'), fullPage: true });
  assert.equal(await page.locator('#voucher-status').getAttribute('data-status'), 'unused');
  // The balance page, from the voucher page: what is left, readable on the phone.
  const balance = await context.newPage();
  await balance.goto(baseUrl + await page.getByRole('link', { name: 'Check my balance' }).getAttribute('href'));
  await balance.locator('#balance[data-status=unused]').waitFor();
  assert.match(await balance.locator('#balance-status').innerText(), /Not used yet/);
  assert.ok(await balance.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  await balance.goto(`${baseUrl}/checkout/demo/balance?lang=sw`);
  await balance.locator('#code').fill(voucher.toLowerCase());
  await balance.locator('form button[type=submit]').click();
  assert.match(await balance.locator('#balance-status').innerText(), /Bado haijatumika/);
  await page.getByRole('button', { name: 'Connect now' }).click();
  await page.getByText(`Connected with voucher ${voucher}`).waitFor();
  await context.close();
});

test('a failed payment offers a retry and no voucher', async () => {
  const context = await browser.newContext({ locale: 'en-KE' });
  const page = await context.newPage();
  await buy(page, { packageName: '1 GB', phone: '0722 000 111', payButton: /Fail payment/ });
  await page.getByText('Payment not completed').waitFor();
  assert.equal(await page.locator('[data-voucher]').count(), 0);
  await page.getByRole('link', { name: 'Try again' }).click();
  await page.getByText('Choose a package').waitFor();
  await context.close();
});

test('a Swahili phone gets Swahili pages and can switch to English', async () => {
  const context = await browser.newContext({ locale: 'sw-KE' });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/checkout/demo/demo-router`);
  await page.getByText('Chagua kifurushi').waitFor();
  await page.getByRole('link', { name: 'English' }).click();
  await page.getByText('Choose a package').waitFor();
  await context.close();
});

test('the checkout page is light enough for slow links', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  let bytes = 0;
  page.on('response', async (response) => { bytes += (await response.body()).length; });
  await page.goto(`${baseUrl}/checkout/demo/demo-router`, { waitUntil: 'load' });
  assert.equal(await page.locator('script').count(), 0, 'no JavaScript needed');
  assert.ok(bytes < 20000, `checkout page weighs ${bytes} bytes`);
  await context.close();
});
