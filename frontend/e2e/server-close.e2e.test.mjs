// The server closes idle sockets (local-dev mimics API Gateway's idle timeout,
// here shortened to 2 s; only frames from the client count as activity): the
// SPA must reconnect on its own after each clean close and show every message
// exactly once. Each message read on screen makes the SPA send a `read` frame,
// so the ticks are spaced wider than the timeout for the socket to go idle.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, launchBrowser, startLocalDev } from './harness.mjs';

describe('server-side socket closes', { concurrency: false }, () => {
  let server;
  let browser;

  before(async () => {
    server = await startLocalDev({ LOCAL_WS_IDLE_TIMEOUT_SECONDS: '2' });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('reconnects after idle-timeout closes and keeps every message once', { timeout: 90_000 }, async () => {
    const password = 'password-123';
    const tokens = {};
    for (const username of ['writer', 'reader']) {
      assert.equal((await api(server.baseUrl, 'POST', '/api/auth/register', { body: { username, password } })).status, 201);
      tokens[username] = (
        await api(server.baseUrl, 'POST', '/api/auth/login', { body: { username, password } })
      ).body.access_token;
    }
    const room = (await api(server.baseUrl, 'POST', '/api/rooms', { token: tokens.writer, body: { name: 'idle' } })).body;
    await api(server.baseUrl, 'POST', `/api/rooms/${room.id}/join`, { token: tokens.reader });

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const sockets = [];
    page.on('websocket', (ws) => sockets.push(ws));
    await page.goto(`${server.baseUrl}/login`);
    await page.getByLabel('Username').fill('reader');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: /^idle,/ }).click();
    await page.locator('.conn-label[data-status="connected"]').waitFor();

    const sent = [];
    for (let i = 1; i <= 5; i += 1) {
      const content = `tick ${i}`;
      const r = await api(server.baseUrl, 'POST', `/api/rooms/${room.id}/messages`, {
        token: tokens.writer,
        body: { content },
      });
      assert.equal(r.status, 201);
      sent.push(content);
      await page.waitForTimeout(2600); // longer than the idle timeout: a close between every two ticks
    }
    await page.locator('.conn-label[data-status="connected"]').waitFor();
    const log = page.getByRole('log', { name: 'Message history' });
    await log.getByText('tick 5', { exact: true }).waitFor();
    assert.ok(sockets.length >= 3, `the server closed the socket and the SPA reconnected (${sockets.length} sockets)`);
    for (const ws of sockets) assert.equal(new URL(ws.url()).searchParams.has('room_id'), false, 'a user connection');
    // Every reconnect asked for a new single-use ticket; the JWT is never in a URL.
    const jwt = await page.evaluate(() => localStorage.getItem('chat.token'));
    const tickets = sockets.map((ws) => new URL(ws.url()).searchParams.get('ticket'));
    assert.ok(tickets.every(Boolean), 'each socket has a ticket');
    assert.equal(new Set(tickets).size, tickets.length, 'no ticket reused');
    for (const ws of sockets) {
      assert.equal(new URL(ws.url()).searchParams.has('token'), false, 'no token= in the URL');
      assert.ok(!ws.url().includes(jwt), 'no JWT in the URL');
    }
    const texts = await log.locator('.msg-text').allTextContents();
    assert.deepEqual(texts, sent, 'every message once, in order');
    await context.close();
  });
});
