// Shared helpers for the end-to-end suite: a real local-dev on a fresh SQLite
// file, and Debian's Chromium driven by playwright-core. No mocks.
//
// Every browser context made through launchBrowser() is guarded, and a test
// fails (in this module's afterEach) when, while it ran, a page of the app
//  - reported a Content-Security-Policy violation (a `securitypolicyviolation`
//    event, caught by an init script, or a console message "Refused to …"), or
//  - opened a WebSocket whose URL carries a JWT: each must have `ticket=` and
//    no `token=` (allowTokenSockets(context) exempts a context that stands in
//    for an older server without tickets).
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { after, afterEach } from 'node:test';
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

/**
 * `E2E_LAMBDA=watch`: every local-dev the suites start runs in its forwarding mode in front of
 * `cargo lambda watch` (the real function binaries, built by cargo-lambda from this checkout;
 * `cargo-lambda` on the PATH or at `CARGO_LAMBDA`). The first start waits for those builds.
 */
const lambdaMode = process.env.E2E_LAMBDA === 'watch';
/** The key local-dev's `@connections` checks, and the functions sign with, in that mode. */
const MANAGEMENT_SECRET = 'e2e-management-secret';

/** A started process and how to stop it (its whole process group: cargo and its children). */
function startProcess(command, args, env, logs) {
  const child = spawn(command, args, { cwd: repoDir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout.on('data', logs);
  child.stderr.on('data', logs);
  const state = { exited: null };
  child.on('exit', (code, signal) => {
    state.exited = { code, signal };
  });
  return {
    state,
    async stop() {
      if (state.exited) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      for (let i = 0; i < 50 && !state.exited; i += 1) await sleep(100);
      if (!state.exited) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    },
  };
}

/**
 * Starts local-dev on a free port and a fresh SQLite file (with `E2E_LAMBDA=watch`, in front
 * of `cargo lambda watch`); resolves once /api/health is 200.
 */
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
    // Every browser here is 127.0.0.1: the per-address limits have their own Rust tests.
    REGISTER_MAX_PER_ADDRESS: '0',
    LOGIN_MAX_ATTEMPTS_PER_ADDRESS: '0',
    FRONTEND_DIST: distDir,
    // Test the build in dist/ as it is: local-dev must not rebuild it under a running suite.
    LOCAL_BUILD_SPA: 'off',
    RUST_LOG: process.env.RUST_LOG || 'info',
    ...extraEnv,
  };
  let logs = '';
  const keep = (chunk) => {
    logs += chunk.toString();
    if (logs.length > 200_000) logs = logs.slice(-100_000);
  };
  const processes = [];
  if (lambdaMode) {
    const invokePort = await freePort();
    // The functions get the same settings, and post to this local-dev as their management API.
    const functionsEnv = {
      ...env,
      WEBSOCKET_API_ENDPOINT: baseUrl,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: MANAGEMENT_SECRET,
    };
    const cargoLambda = process.env.CARGO_LAMBDA || 'cargo-lambda';
    const watchArgs = ['lambda', 'watch', '--ignore-changes', '-A', '127.0.0.1', '-P', String(invokePort)];
    processes.push(startProcess(cargoLambda, watchArgs, functionsEnv, keep));
    Object.assign(env, {
      LOCAL_FUNCTIONS: `http://127.0.0.1:${invokePort}`,
      LOCAL_MANAGEMENT_SECRET: MANAGEMENT_SECRET,
      // A function cargo is still building (or linking, on a loaded machine) answers late.
      LOCAL_FUNCTION_TIMEOUT_SECONDS: '300',
    });
  }
  const server = startProcess(bin, [], env, keep);
  processes.push(server);
  const stopAll = async () => {
    for (const p of [...processes].reverse()) await p.stop();
  };

  // In the forwarding mode the first health check waits for cargo lambda's first build.
  const patience = lambdaMode ? 20 * 60_000 : 30_000;
  const deadline = Date.now() + patience;
  for (;;) {
    const dead = processes.find((p) => p.state.exited);
    if (dead) {
      await stopAll();
      throw new Error(`a process exited early (${JSON.stringify(dead.state.exited)}):\n${logs}`);
    }
    try {
      const res = await fetch(`${baseUrl}/api/health`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopAll();
      throw new Error(`local-dev did not become healthy in ${patience / 1000} s:\n${logs}`);
    }
    await sleep(150);
  }

  return {
    baseUrl,
    logs: () => logs,
    async stop() {
      await stopAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- guards: CSP violations and JWTs in WebSocket URLs ----------------------------

/** What the guards saw since the last check: each entry fails the running test. */
const problems = [];
/** Every WebSocket URL a guarded page opened, in order (for suites that assert on them). */
export const socketUrls = [];
const tokenSocketsAllowed = new WeakSet();

/** The SPA's own pages (local-dev, the CDN stand-in), not a link opened to another site. */
const isAppUrl = (url) => /^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(url ?? '');

/** A JWT's shape (base64url header `{"…` . payload . signature). */
const JWT_SHAPE = /eyJ[\w-]*\.[\w-]+\.[\w-]*/;

/** Why a WebSocket URL is not acceptable, or null. */
export function socketUrlProblem(url, { allowToken = false } = {}) {
  const params = new URL(url).searchParams;
  if (allowToken) return params.has('ticket') || params.has('token') ? null : 'neither ticket= nor token=';
  if (params.has('token')) return 'has token=';
  if (JWT_SHAPE.test(decodeURIComponent(url))) return 'contains a JWT';
  if (!params.get('ticket')) return 'has no ticket=';
  return null;
}

/** For a context that stands in for an older server (no ticket endpoint): `?token=` is expected there. */
export function allowTokenSockets(context) {
  tokenSocketsAllowed.add(context);
}

function cspInitScript() {
  window.addEventListener(
    'securitypolicyviolation',
    (e) => {
      const report = {
        url: document.location.href,
        directive: e.effectiveDirective || e.violatedDirective,
        blocked: e.blockedURI,
        source: e.sourceFile ? `${e.sourceFile}:${e.lineNumber}:${e.columnNumber}` : '',
        sample: e.sample,
        disposition: e.disposition,
      };
      // The binding may not be ready this early in a navigation: retry briefly.
      const send = (tries) => {
        if (typeof window.__e2eCspViolation === 'function') window.__e2eCspViolation(report);
        else if (tries > 0) setTimeout(() => send(tries - 1), 50);
      };
      send(20);
    },
    true,
  );
}

async function guardContext(context) {
  await context.exposeBinding('__e2eCspViolation', (_source, report) => {
    if (isAppUrl(report.url)) problems.push(`CSP violation: ${JSON.stringify(report)}`);
  });
  await context.addInitScript(cspInitScript);
  const watchPage = (page) => {
    page.on('console', (msg) => {
      const text = msg.text();
      if (text.startsWith('Refused to') && isAppUrl(page.url())) problems.push(`CSP console (${page.url()}): ${text}`);
    });
    page.on('websocket', (ws) => {
      const url = ws.url();
      socketUrls.push(url);
      const problem = socketUrlProblem(url, { allowToken: tokenSocketsAllowed.has(context) });
      if (problem) problems.push(`WebSocket URL ${problem}: ${url.replace(JWT_SHAPE, '<JWT>')}`);
    });
  };
  context.on('page', watchPage);
  for (const page of context.pages()) watchPage(page);
}

/** Throws (failing the running test) if a guard saw something since the last call. */
export function assertGuardsClean() {
  if (problems.length === 0) return;
  const seen = problems.splice(0, problems.length);
  throw new Error(`e2e guards:\n  ${seen.join('\n  ')}`);
}

// Registered by this module at its import, so every test of every suite is checked.
afterEach(() => assertGuardsClean());
after(() => assertGuardsClean());

export async function launchBrowser() {
  // playwright-core gives every launch its own fresh temporary --user-data-dir.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    await guardContext(context);
    return context;
  };
  return browser;
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
 * The Content-Security-Policy local-dev sends with the SPA; CloudFront sends the
 * same with the API's origins added to connect-src.
 */
export function spaCsp(connectOrigins = []) {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    ["connect-src 'self'", ...connectOrigins].join(' '),
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * A static file server standing in for S3 + CloudFront: serves dist/ with an
 * SPA fallback and the given config.json, on its own origin, under the CSP that
 * CloudFront adds (connect-src: the configured API and WebSocket origins).
 */
export async function startStaticCdn(config, port) {
  const connectOrigins = [config.apiBaseUrl, config.wsUrl].filter(Boolean).map((u) => new URL(u).origin);
  const csp = spaCsp([...new Set(connectOrigins)]);
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
    res.writeHead(200, { 'Content-Type': MIME[extname(target)] ?? 'application/octet-stream', 'Content-Security-Policy': csp });
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
