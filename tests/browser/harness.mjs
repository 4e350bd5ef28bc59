// What the browser tests share: a `tiketi serve` of their own (free port, fresh data directory,
// the Pesapal stand-in) and a headless Chromium, started before and stopped after a file's tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const binary = process.env.TIKETI_BIN
  ?? join(process.env.CARGO_TARGET_DIR ?? '/var/tmp/tiketi-target', 'debug', 'tiketi');
export const env = { ...process.env, PESAPAL_CONSUMER_KEY: '', PESAPAL_CONSUMER_SECRET: '', PUBLIC_BASE_URL: '', RUST_LOG: 'warn' };

/// Starts Tiketi on a fresh data directory; `prepare(dataDir)` runs first (e.g. `tiketi admin add`).
export async function startTiketi(name, prepare = () => {}) {
  const dataDir = mkdtempSync(join(tmpdir(), `tiketi-${name}-`));
  prepare(dataDir);
  const server = spawn(binary, ['serve', '--port', '0', '--data-dir', dataDir], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const baseUrl = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`tiketi did not start: ${out}`)), 30000);
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/Tiketi is running at (\S+)/);
      if (match) { clearTimeout(timer); resolve(match[1]); }
    });
    server.on('exit', (code) => reject(new Error(`tiketi exited with ${code}: ${out}`)));
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  return {
    baseUrl,
    browser,
    dataDir,
    async stop() {
      await browser.close();
      server.kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
