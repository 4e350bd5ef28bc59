// The product's home page in a real browser, on a phone (360x740) and a laptop (1366x768), in
// English and Swahili: nothing wider than the window (FAQ answers opened too), the plans of the
// default catalogue with their sign-up buttons, no scripts, and the 404 page of an unknown path.
// Starts its own `tiketi serve` on a free port with a fresh data directory, and stops it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTiketi } from './harness.mjs';

let tiketi, baseUrl, browser;

before(async () => {
  tiketi = await startTiketi('landing');
  ({ baseUrl, browser } = tiketi);
});

after(async () => {
  await tiketi?.stop();
});

const viewports = [{ width: 360, height: 740 }, { width: 1366, height: 768 }];
const languages = [{ locale: 'en-KE', lang: 'en' }, { locale: 'sw-KE', lang: 'sw' }];

async function assertNoHorizontalScroll(page, what) {
  const [scrollWidth, innerWidth] = await page.evaluate(
    () => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scrollWidth <= innerWidth, `${what}: ${scrollWidth}px of content in a ${innerWidth}px window`);
}

for (const viewport of viewports) {
  for (const { locale, lang } of languages) {
    test(`the home page fits ${viewport.width}px in ${lang} and sells the plans`, async () => {
      const context = await browser.newContext({ locale, viewport });
      const page = await context.newPage();
      let bytes = 0;
      const failed = [];
      page.on('response', async (response) => {
        if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
        bytes += (await response.body().catch(() => Buffer.alloc(0))).length;
      });
      const answer = await page.goto(`${baseUrl}/`, { waitUntil: 'load' });
      assert.equal(answer.status(), 200);
      assert.equal(await page.locator('html').getAttribute('lang'), lang);
      assert.equal(await page.locator('script').count(), 0, 'no JavaScript');
      assert.ok(bytes < 30000, `the home page weighs ${bytes} bytes`);
      assert.deepEqual(failed, []);

      await assertNoHorizontalScroll(page, `${viewport.width}px ${lang}`);
      // Every FAQ answer opened: still nothing wider than the window.
      for (const summary of await page.locator('#faq summary').all()) await summary.click();
      assert.equal(await page.locator('#faq details[open]').count(), await page.locator('#faq details').count());
      await assertNoHorizontalScroll(page, `${viewport.width}px ${lang}, FAQ open`);
      await page.screenshot({ path: join(tmpdir(), `tiketi-landing-${viewport.width}-${lang}.png`), fullPage: true });

      // The three plans of the default catalogue, each with a price and its sign-up button.
      const cards = page.locator('#pricing article.plan');
      assert.deepEqual(
        await cards.evaluateAll((all) => all.map((card) => card.dataset.plan)),
        ['basic', 'professional', 'enterprise']);
      for (const card of await cards.all()) {
        assert.match(await card.locator('.price').innerText(), /^KES [\d,]+/);
        assert.ok(await card.locator('a.button').isVisible());
      }
      await page.locator('#pricing article[data-plan=professional] a.button').click();
      await page.waitForURL(`${baseUrl}/portal/signup?plan=professional`);
      await page.locator('#business_name').waitFor();
      await context.close();
    });
  }
}

test('the language link switches the home page', async () => {
  const context = await browser.newContext({ locale: 'en-KE', viewport: viewports[0] });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/`);
  const english = await page.locator('h1').innerText();
  await page.getByRole('link', { name: 'Kiswahili' }).click();
  await page.waitForURL(`${baseUrl}/?lang=sw`);
  assert.equal(await page.locator('html').getAttribute('lang'), 'sw');
  assert.notEqual(await page.locator('h1').innerText(), english);
  await page.getByRole('link', { name: 'English' }).click();
  assert.equal(await page.locator('h1').innerText(), english);
  await context.close();
});

test('an unknown path shows a 404 page that leads home', async () => {
  for (const viewport of viewports) {
    const context = await browser.newContext({ locale: 'en-KE', viewport });
    const page = await context.newPage();
    const answer = await page.goto(`${baseUrl}/no/such/page`);
    assert.equal(answer.status(), 404);
    assert.equal(await page.locator('script').count(), 0);
    await assertNoHorizontalScroll(page, `404 at ${viewport.width}px`);
    await page.locator('main a.button').click();
    await page.waitForURL(`${baseUrl}/`);
    await page.locator('#pricing').waitFor();
    await context.close();
  }
});
