// The router's login page (the generated `login.html`, as its golden file holds it: a Rust test
// keeps that file equal to the generator's output) in a real browser, served the way a MikroTik
// hotspot serves it: `$(…)` variables filled in, `$(if chap-id)` blocks kept for CHAP logins and
// dropped for PAP. Checks what the page posts to the router's login URL for a voucher whose code
// is its password and for one printed with a separate password.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const template = readFileSync(join(here, '../golden/routeros/login.html'), 'utf8');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ROUTER = 'http://router.test';
let browser;

before(async () => {
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
});

after(async () => {
  await browser?.close();
});

/** The page as the hotspot renders it, for `chap` (CHAP) or PAP logins. */
function render(chap) {
  const vars = {
    'link-login-only': `${ROUTER}/login`,
    'link-login-only-esc': encodeURIComponent(`${ROUTER}/login`),
    'link-orig': 'http://example.com/',
    'link-orig-esc': encodeURIComponent('http://example.com/'),
    'mac-esc': '02%3A00%3A00%3A00%3A00%3A01',
    'chap-id': chap ? '\\247' : '',
    'chap-challenge': chap ? '\\123\\045' : '',
    error: '',
  };
  return template
    .replace(/\$\(if ([a-z-]+)\)([\s\S]*?)\$\(endif\)/g, (_, name, body) => (vars[name] ? body : ''))
    .replace(/\$\(([a-z-]+)\)/g, (_, name) => vars[name] ?? '');
}

/** Opens the login page, types `code` (and `password`), submits; returns what was posted. */
async function logIn({ chap, code, password }) {
  const page = await browser.newPage();
  const posted = new Promise((resolve) => {
    page.route(`${ROUTER}/**`, async (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === '/md5.js') {
        // A stand-in for the router's md5.js: shows what the page hashes.
        return route.fulfill({ contentType: 'text/javascript', body: 'function hexMD5(s) { return "md5(" + s + ")"; }' });
      }
      if (url.pathname === '/login' && route.request().method() === 'POST') {
        resolve(Object.fromEntries(new URLSearchParams(route.request().postData())));
        return route.fulfill({ contentType: 'text/html', body: 'logged in' });
      }
      return route.fulfill({ contentType: 'text/html', body: render(chap) });
    });
  });
  await page.goto(`${ROUTER}/login.html`);
  await page.getByLabel('Voucher code').fill(code);
  if (password !== undefined) await page.getByLabel(/Password/).fill(password);
  await page.getByRole('button', { name: 'Connect' }).click();
  const form = await posted;
  await page.close();
  return form;
}

test('a code alone is both username and password (PAP)', async () => {
  const form = await logIn({ chap: false, code: 'k7qm-x3pa 2b' });
  assert.equal(form.username, 'K7QMX3PA2B');
  assert.equal(form.password, 'K7QMX3PA2B');
  assert.equal(form.dst, 'http://example.com/');
});

test('a separate password is posted as the password (PAP)', async () => {
  const form = await logIn({ chap: false, code: 'QA638P2563', password: 'm8fd kbk8' });
  assert.equal(form.username, 'QA638P2563');
  assert.equal(form.password, 'M8FDKBK8');
});

test('CHAP hashes the separate password, or the code when there is none', async () => {
  const withPassword = await logIn({ chap: true, code: 'QA638P2563', password: 'M8FDKBK8' });
  assert.equal(withPassword.username, 'QA638P2563');
  // The router writes chap-id and chap-challenge as octal escapes inside the JS string.
  assert.equal(withPassword.password, 'md5(\xa7M8FDKBK8S%)');
  const codeOnly = await logIn({ chap: true, code: 'K7QMX3PA2B' });
  assert.equal(codeOnly.password, 'md5(\xa7K7QMX3PA2BS%)');
});
