// Shared helpers for the end-to-end suite: a real local-dev on a fresh SQLite
// file, and Debian's Chromium driven by playwright-core. No mocks.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const frontendDir = resolve(here, '..');
export const repoDir = resolve(frontendDir, '..');
export const distDir = join(frontendDir, 'dist');
/**
 * Where the suites write screenshots: `frontend/e2e-output/` (git-ignored) unless
 * `E2E_SCREENSHOT_DIR` says otherwise; `npm run screenshots` points it at
 * `docs/screenshots/` to refresh the committed ones on purpose.
 */
export const screenshotDir = process.env.E2E_SCREENSHOT_DIR
  ? resolve(frontendDir, process.env.E2E_SCREENSHOT_DIR)
  : join(frontendDir, 'e2e-output');

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function localDevBin() {
  if (process.env.LOCAL_DEV_BIN) return resolve(repoDir, process.env.LOCAL_DEV_BIN);
  const target = process.env.CARGO_TARGET_DIR || join(repoDir, 'target');
  return resolve(repoDir, target, 'debug', 'local-dev');
}

export async function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts local-dev on a free port and a fresh SQLite file; resolves once /api/health is 200. */
export async function startLocalDev(extraEnv = {}) {
  const bin = localDevBin();
  if (!existsSync(bin)) throw new Error(`local-dev binary not found at ${bin} (set LOCAL_DEV_BIN)`);
  if (!existsSync(join(distDir, 'index.html'))) throw new Error(`no SPA build in ${distDir}: run npm run build first`);
  const dir = mkdtempSync(join(tmpdir(), 'chat-e2e-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: `sqlite://${join(dir, 'chat.db')}`,
    JWT_SECRET: 'e2e-secret-at-least-32-bytes-long!!',
    RATE_LIMIT_MESSAGES: '0',
    FRONTEND_DIST: distDir,
    RUST_LOG: process.env.RUST_LOG || 'info',
    ...extraEnv,
  };
  const child = spawn(bin, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  const keep = (chunk) => {
    logs += chunk.toString();
    if (logs.length > 200_000) logs = logs.slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`local-dev exited early (${JSON.stringify(exited)}):\n${logs}`);
    try {
      const res = await fetch(`${baseUrl}/api/health`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`local-dev did not become healthy in 30 s:\n${logs}`);
    }
    await sleep(150);
  }

  return {
    baseUrl,
    logs: () => logs,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        for (let i = 0; i < 50 && !exited; i += 1) await sleep(100);
        if (!exited) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  // playwright-core gives every launch its own fresh temporary --user-data-dir.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export function ensureScreenshotDir() {
  mkdirSync(screenshotDir, { recursive: true });
  return screenshotDir;
}

export function binaryAge() {
  const bin = localDevBin();
  return existsSync(bin) ? statSync(bin).mtime : null;
}

/** A REST call from the test itself (seeding data), through the real API. */
export async function api(baseUrl, method, path, { token, body } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, body: json, headers: res.headers };
}

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.map': 'application/json',
};

/**
 * A static file server standing in for S3 + CloudFront: serves dist/ with an
 * SPA fallback and the given config.json, on its own origin.
 */
export async function startStaticCdn(config, port) {
  const { createServer: createHttpServer } = await import('node:http');
  const { readFile } = await import('node:fs/promises');
  const { extname, normalize } = await import('node:path');
  const server = createHttpServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/config.json') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
      res.end(JSON.stringify(config));
      return;
    }
    const file = normalize(join(distDir, path));
    const inside = file.startsWith(distDir) && path !== '/' && existsSync(file) && statSync(file).isFile();
    const target = inside ? file : join(distDir, 'index.html');
    res.writeHead(200, { 'Content-Type': MIME[extname(target)] ?? 'application/octet-stream' });
    res.end(await readFile(target));
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${port}`, stop: () => new Promise((r) => server.close(r)) };
}

// ---- page helpers shared by the suites ------------------------------------------

export function messageLog(page) {
  return page.getByRole('log', { name: 'Message history' });
}

export async function countMessages(page, text) {
  return messageLog(page).locator('.msg-text', { hasText: new RegExp(`^${text}$`) }).count();
}

export async function waitForCount(page, text, expected, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  let n = -1;
  while (Date.now() < deadline) {
    n = await countMessages(page, text);
    if (n === expected) return;
    await page.waitForTimeout(100);
  }
  assert.equal(n, expected, `expected ${expected}× "${text}", saw ${n}`);
}

export async function send(page, text) {
  const box = page.getByRole('textbox', { name: /^Message [#@]/ });
  await box.fill(text);
  await box.press('Enter');
}

export async function waitForStatus(page, wanted, timeout = 30_000) {
  const list = Array.isArray(wanted) ? wanted : [wanted];
  const selector = list.map((s) => `.conn-label[data-status="${s}"]`).join(', ');
  await page.locator(selector).waitFor({ timeout });
}

/** Controls without an accessible name (what getByRole/getByLabel and screen readers rely on). */
export async function unnamedControls(page) {
  return page.evaluate(() => {
    const nameOf = (el) => {
      const labelledby = el.getAttribute('aria-labelledby');
      const byIds = labelledby
        ? labelledby
            .split(/\s+/)
            .map((id) => document.getElementById(id)?.textContent ?? '')
            .join(' ')
        : '';
      const labels = 'labels' in el && el.labels ? [...el.labels].map((l) => l.textContent).join(' ') : '';
      return [el.getAttribute('aria-label'), byIds, labels, el.textContent, el.getAttribute('title')]
        .map((v) => (v ?? '').trim())
        .find((v) => v.length > 0);
    };
    return [...document.querySelectorAll('button, a[href], input, textarea, select, [role="button"]')]
      .filter((el) => !nameOf(el))
      .map((el) => el.outerHTML.slice(0, 120));
  });
}
