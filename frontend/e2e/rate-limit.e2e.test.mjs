// Sending faster than the server allows (local-dev with 3 messages per 3 s):
// a rate-limited message waits and goes out again by itself, in order, once
// each. Over the socket the server answers an `error` frame `rate_limited`
// (the SPA backs off a few seconds); over REST a 429 with `Retry-After` (the
// SPA waits that long).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { api, ensureScreenshotDir, launchBrowser, messageLog, startLocalDev, waitForStatus } from './harness.mjs';

const PASSWORD = 'password-123';
const LIMIT = 3;
const WINDOW_SECONDS = 3;

describe('rate-limited sends retry by themselves', { concurrency: false }, () => {
  let server;
  let browser;
  let shots;
  let token;
  let roomId;

  before(async () => {
    shots = ensureScreenshotDir();
    server = await startLocalDev({ RATE_LIMIT_MESSAGES: String(LIMIT), RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS) });
    browser = await launchBrowser();
    assert.equal((await api(server.baseUrl, 'POST', '/api/auth/register', { body: { username: 'quick', password: PASSWORD } })).status, 201);
    token = (await api(server.baseUrl, 'POST', '/api/auth/login', { body: { username: 'quick', password: PASSWORD } })).body.access_token;
    roomId = (await api(server.baseUrl, 'POST', '/api/rooms', { token, body: { name: 'burst' } })).body.id;
  });

  after(async () => {
    await browser?.close();
    if (server && process.env.E2E_SHOW_LOGS) console.log(server.logs());
    await server?.stop();
  });

  /** A signed-in page in the room; `blockSockets` refuses every WebSocket so sends go over REST. */
  async function openRoom({ blockSockets = false } = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'UTC' });
    context.setDefaultTimeout(20_000);
    if (blockSockets) await context.routeWebSocket(/\/ws(\/|\?|$)/, (ws) => ws.close({ code: 1011, reason: 'blocked by test' }));
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err.message));
    const received = [];
    page.on('websocket', (ws) =>
      ws.on('framereceived', (f) => {
        try {
          received.push(JSON.parse(f.payload));
        } catch {
          // not JSON
        }
      }),
    );
    await page.goto(`${server.baseUrl}/login`);
    await page.getByLabel('Username').fill('quick');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: /^burst,/ }).click();
    await page.getByRole('heading', { name: 'burst', exact: true }).waitFor();
    return { context, page, received };
  }

  const sentMessage = (page, text) =>
    messageLog(page)
      .locator('li.msg[data-status="sent"]')
      .filter({ has: page.locator('.msg-text', { hasText: new RegExp(`^${text}$`) }) });

  async function typeMessages(page, texts) {
    const box = page.getByRole('textbox', { name: 'Message #burst' });
    for (const text of texts) {
      await box.fill(text);
      await box.press('Enter');
    }
  }

  async function storedContents() {
    const page = await api(server.baseUrl, 'GET', `/api/rooms/${roomId}/messages?limit=100`, { token });
    return page.body.messages.map((m) => m.content);
  }

  it('over the socket: rate_limited error frames, a short backoff, every message once in order', { timeout: 90_000 }, async () => {
    const { context, page, received } = await openRoom();
    await waitForStatus(page, 'connected');

    const texts = Array.from({ length: 7 }, (_, i) => `ws burst ${i + 1}`);
    await typeMessages(page, texts);
    await messageLog(page).locator('li.msg[data-status="waiting"]').first().waitFor();
    await page.getByText('Sending too fast: it goes out by itself in a moment.').first().waitFor();
    await page.waitForTimeout(100);
    await page.screenshot({ path: join(shots, 'room-rate-limited-desktop.png') });
    for (const text of texts) {
      await sentMessage(page, text).waitFor({ timeout: 45_000 });
    }
    const limited = received.filter((f) => f.type === 'error' && f.code === 'rate_limited');
    assert.ok(limited.length >= 1, 'the server did rate-limit some sends');
    assert.ok(limited.every((f) => typeof f.client_id === 'string'), 'each rate_limited frame names its client_id');
    assert.deepEqual(await storedContents(), texts, 'stored once each, in the order written');
    const shown = await messageLog(page).locator('.msg-text').allTextContents();
    assert.deepEqual(shown, texts, 'shown once each, in order');
    await context.close();
  });

  it('over REST: 429 with Retry-After, waits that long, every message once in order', { timeout: 90_000 }, async () => {
    await new Promise((r) => setTimeout(r, WINDOW_SECONDS * 1000)); // a fresh window
    const before = await storedContents();
    const { context, page } = await openRoom({ blockSockets: true });
    await waitForStatus(page, ['reconnecting', 'offline']);
    const posts = [];
    page.on('request', (req) => {
      if (req.method() === 'POST' && req.url().endsWith(`/api/rooms/${roomId}/messages`)) {
        posts.push({ at: Date.now(), body: req.postDataJSON() });
      }
    });
    const refusals = [];
    page.on('response', async (res) => {
      if (res.request().method() === 'POST' && res.status() === 429) {
        refusals.push({ at: Date.now(), retryAfter: Number(res.headers()['retry-after']), body: res.request().postDataJSON() });
      }
    });

    const texts = Array.from({ length: 5 }, (_, i) => `rest burst ${i + 1}`);
    await typeMessages(page, texts);
    for (const text of texts) {
      await sentMessage(page, text).waitFor({ timeout: 45_000 });
    }
    assert.ok(refusals.length >= 1, 'the server answered 429');
    for (const refusal of refusals) {
      assert.ok(Number.isFinite(refusal.retryAfter) && refusal.retryAfter >= 0, 'with a Retry-After in seconds');
      const next = posts.find((p) => p.at > refusal.at && p.body.client_id === refusal.body.client_id);
      assert.ok(next, 'the refused message was sent again by itself');
      assert.equal(next.body.content, refusal.body.content);
      assert.ok(next.at - refusal.at >= refusal.retryAfter * 1000 - 250, `waited Retry-After (${refusal.retryAfter} s) before resending`);
    }
    // Never more than one POST of this room in flight, so never out of order.
    assert.deepEqual((await storedContents()).slice(before.length), texts, 'stored once each, in the order written');
    await context.close();
  });
});
