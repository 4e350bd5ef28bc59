// An operator's first day in a real browser (a phone-sized window): sign up, add a router and
// a ticket type, generate a batch, download its PDF sheet, record a cash sale of one printed
// voucher, and see the sale on the dashboard. Starts its own `tiketi serve` on a free port
// with a fresh data directory, and stops it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const binary = process.env.TIKETI_BIN ?? join(process.env.CARGO_TARGET_DIR ?? '/var/tmp/tiketi-target', 'debug', 'tiketi');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
let server, baseUrl, browser, dataDir;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tiketi-operator-'));
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

const submit = (page) => page.locator('main form button[type=submit]').first().click();

test('an operator signs up, prints a batch, sells a voucher for cash and sees it on the dashboard', async () => {
  const context = await browser.newContext({ locale: 'en-KE', viewport: { width: 360, height: 740 }, acceptDownloads: true });
  const page = await context.newPage();

  await page.goto(`${baseUrl}/portal/signup`);
  await page.locator('#business_name').fill('Mama Njeri WiFi');
  await page.locator('#email').fill('njeri@example.com');
  await page.locator('#phone').fill('0712 345 678');
  await page.locator('#password').fill('a long password 1');
  await submit(page);
  await page.waitForURL(`${baseUrl}/portal`);
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

  await page.goto(`${baseUrl}/portal/routers/new`);
  await page.locator('#name').fill('Shop');
  await page.locator('#hotspot_dns').fill('login.wifi');
  await submit(page);
  await page.waitForURL(/\/portal\/routers\/[0-9a-z]+$/);

  await page.goto(`${baseUrl}/portal/ticket-types/new`);
  await page.locator('#name').fill('1 Day WiFi');
  await page.locator('input[name=amount]').fill('1');
  await page.locator('select[name=unit]').selectOption('days');
  await page.locator('#price').fill('80');
  await page.locator('input[name=validity_amount]').fill('1');
  await page.locator('select[name=validity_unit]').selectOption('days');
  await submit(page);
  await page.waitForURL(`${baseUrl}/portal/ticket-types`);
  await page.getByText('1 Day WiFi').first().waitFor();

  await page.goto(`${baseUrl}/portal/batches/new`);
  await page.locator('#quantity').fill('24');
  await page.locator('#note').fill('For the counter');
  await submit(page);
  await page.waitForURL(/\/portal\/batches\/[0-9a-z]+$/);
  // The page refreshes itself until the batch is ready.
  await page.getByRole('link', { name: 'PDF, A4' }).waitFor({ timeout: 30000 });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'PDF, A4' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^tiketi-batch-.*\.pdf$/);
  const pdf = readFileSync(await download.path());
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');

  await page.getByRole('link', { name: 'Printable page' }).click();
  const code = (await page.locator('.code').first().textContent()).trim();
  assert.match(code, /^[2-9A-HJKMNP-Z]{8}$/);

  await page.goto(`${baseUrl}/portal/sell`);
  await page.locator('#code').fill(code.toLowerCase());
  await submit(page);
  await page.getByText(`Sold ${code}`).waitFor();

  await page.getByRole('link', { name: 'Dashboard' }).click();
  const today = page.locator('.stat', { hasText: 'Revenue today' });
  await today.getByText('KES 80').waitFor();
  await today.getByText('1 sold').waitFor();
  assert.ok(await page.locator('figure svg').count() >= 2, 'the charts are drawn');
  await page.screenshot({ path: join(tmpdir(), 'tiketi-dashboard.png'), fullPage: true });

  // The batch remembers what happened to it.
  await page.getByRole('link', { name: 'Batches' }).click();
  await page.locator('table a').first().click();
  await page.getByText('Printed (pdf-a4)').waitFor();
  await page.getByText('Sold for cash').waitFor();
  await context.close();
});
