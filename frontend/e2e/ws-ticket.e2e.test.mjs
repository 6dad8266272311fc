// WebSocket tickets and the Content-Security-Policy (security hardening): the
// JWT never goes in a WebSocket URL. Before every connect and reconnect the SPA
// asks `POST /api/ws-ticket` for a single-use ticket and opens `/ws?ticket=…`;
// only a server without the endpoint (404, played here by page.route) gets the
// old `?token=`. local-dev serves the SPA under a strict CSP, and the harness
// fails any test whose pages report a violation or open a socket with a JWT.
// The HTTP contract is checked first, from the test itself.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { allowTokenSockets, api, launchBrowser, spaCsp, startLocalDev, waitForStatus } from './harness.mjs';

const PASSWORD = 'correct horse battery';
const CSP = spaCsp();

/** The directives of a CSP header, normalised (order and spacing do not matter). */
const directives = (value) =>
  (value ?? '')
    .split(';')
    .map((d) => d.trim().replace(/\s+/g, ' '))
    .filter(Boolean)
    .sort();

/** A raw WebSocket upgrade of `/ws?<query>`: resolves to the HTTP status (101 when accepted). */
function upgradeStatus(baseUrl, query) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${baseUrl}/ws?${query}`, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('upgrade timed out')));
    req.end();
  });
}

describe('WebSocket tickets and the CSP', { concurrency: false }, () => {
  let server;
  let browser;
  let token;
  let roomId;

  before(async () => {
    server = await startLocalDev();
    browser = await launchBrowser();
    assert.equal((await api(server.baseUrl, 'POST', '/api/auth/register', { body: { username: 'tess', password: PASSWORD } })).status, 201);
    token = (await api(server.baseUrl, 'POST', '/api/auth/login', { body: { username: 'tess', password: PASSWORD } })).body.access_token;
    const room = await api(server.baseUrl, 'POST', '/api/rooms', { token, body: { name: 'tickets' } });
    assert.equal(room.status, 201);
    roomId = room.body.id;
  });

  after(async () => {
    await browser?.close();
    if (server && process.env.E2E_SHOW_LOGS) console.log(server.logs());
    await server?.stop();
  });

  it('POST /api/ws-ticket: 201 with a fresh ticket, without or with an empty JSON body; 401 without a valid JWT', async () => {
    const first = await api(server.baseUrl, 'POST', '/api/ws-ticket', { token });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(typeof first.body.ticket, 'string');
    assert.ok(first.body.ticket.length > 0);
    assert.equal(first.body.expires_in, 60);
    assert.ok(!first.body.ticket.includes(token), 'the ticket is not the JWT');
    const second = await api(server.baseUrl, 'POST', '/api/ws-ticket', { token, body: {} });
    assert.equal(second.status, 201, JSON.stringify(second.body));
    assert.notEqual(second.body.ticket, first.body.ticket, 'a new ticket each time');

    for (const bad of [undefined, 'not-a-jwt', `${token.slice(0, -4)}AAAA`]) {
      const r = await api(server.baseUrl, 'POST', '/api/ws-ticket', { token: bad });
      assert.equal(r.status, 401, `JWT ${bad === undefined ? 'missing' : 'invalid'}`);
      assert.equal(r.body?.error?.code, 'unauthorized');
      assert.equal(typeof r.body?.error?.message, 'string');
    }
  });

  it('$connect takes a ticket once; a reused or unknown ticket is refused with 401; ?token= still works', async () => {
    const { ticket } = (await api(server.baseUrl, 'POST', '/api/ws-ticket', { token })).body;
    assert.equal(await upgradeStatus(server.baseUrl, `ticket=${encodeURIComponent(ticket)}`), 101);
    assert.equal(await upgradeStatus(server.baseUrl, `ticket=${encodeURIComponent(ticket)}`), 401, 'single use');
    assert.equal(await upgradeStatus(server.baseUrl, 'ticket=made-up'), 401);
    assert.equal(await upgradeStatus(server.baseUrl, `token=${encodeURIComponent(token)}`), 101, 'old clients');
  });

  it('local-dev serves the SPA under the CSP', async () => {
    for (const path of ['/', '/login', `/rooms/${roomId}`]) {
      const res = await fetch(`${server.baseUrl}${path}`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      assert.deepEqual(directives(res.headers.get('content-security-policy')), directives(CSP), `CSP on ${path}`);
      const html = await res.text();
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline script');
      assert.doesNotMatch(html, /<style\b/i, 'no inline style element');
      assert.doesNotMatch(html, /\sstyle\s*=/i, 'no style attribute');
      assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no inline event handler');
      assert.doesNotMatch(html, /(src|href)\s*=\s*["']?(https?:)?\/\//i, 'no other origin');
    }
  });

  /** A signed-in page with the room open; records its ticket requests and sockets. */
  async function openRoom({ setup } = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'UTC' });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err.message));
    const tickets = [];
    const sockets = [];
    page.on('response', async (res) => {
      if (new URL(res.url()).pathname !== '/api/ws-ticket') return;
      tickets.push({ status: res.status(), ticket: res.status() === 201 ? (await res.json().catch(() => null))?.ticket : null });
    });
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await setup?.(context, page);
    await page.goto(`${server.baseUrl}/login`);
    await page.getByLabel('Username').fill('tess');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Rooms' }).waitFor();
    await page.goto(`${server.baseUrl}/rooms/${roomId}`);
    await page.getByRole('heading', { name: 'tickets', exact: true }).waitFor();
    return { context, page, tickets, sockets };
  }

  it('the SPA connects with a fresh ticket on every connect and reconnect, never with the JWT', { timeout: 90_000 }, async () => {
    const { context, page, tickets, sockets } = await openRoom();
    await waitForStatus(page, 'connected');
    const jwt = await page.evaluate(() => localStorage.getItem('chat.token'));
    for (let i = 0; i < 2; i += 1) {
      await context.setOffline(true);
      await waitForStatus(page, 'offline');
      await context.setOffline(false);
      await waitForStatus(page, 'connected');
    }
    // A reload starts a new page: a new ticket too.
    await page.reload();
    await waitForStatus(page, 'connected');
    await page.waitForTimeout(300);
    assert.ok(sockets.length >= 4, `one socket per connect (${sockets.length})`);
    const used = sockets.map((url) => new URL(url).searchParams.get('ticket'));
    for (const url of sockets) {
      assert.ok(!url.includes(jwt), 'no JWT in a socket URL');
      assert.equal(new URL(url).searchParams.has('token'), false);
    }
    assert.equal(new Set(used).size, used.length, 'no ticket used twice');
    // Each socket uses a ticket the page fetched, in the order fetched (a page
    // unloaded mid-attempt may leave one fetched but unused).
    const issued = tickets.filter((t) => t.status === 201).map((t) => t.ticket);
    const positions = used.map((t) => issued.indexOf(t));
    assert.ok(positions.every((p) => p >= 0), `every ticket used was fetched (${positions})`);
    assert.deepEqual([...positions].sort((x, y) => x - y), positions, 'in the order fetched');
    await context.close();
  });

  it('an older server without the endpoint (404): the SPA falls back to ?token= and still works', { timeout: 60_000 }, async () => {
    const { context, page, sockets } = await openRoom({
      setup: async (ctx, p) => {
        allowTokenSockets(ctx);
        await p.route('**/api/ws-ticket', (route) =>
          route.fulfill({
            status: 404,
            contentType: 'application/json',
            body: JSON.stringify({ error: { code: 'not_found', message: 'no such route' } }),
          }),
        );
      },
    });
    await waitForStatus(page, 'connected');
    assert.ok(sockets.length >= 1);
    for (const url of sockets) {
      assert.ok(new URL(url).searchParams.get('token'), 'connected with the token');
      assert.equal(new URL(url).searchParams.has('ticket'), false);
    }
    // And live frames arrive on it.
    await api(server.baseUrl, 'POST', `/api/rooms/${roomId}/messages`, { token, body: { content: 'over the token socket' } });
    await page.getByRole('log').getByText('over the token socket').waitFor();
    await context.close();
  });

  it('a failing ticket request (503) is retried with backoff until it works', { timeout: 60_000 }, async () => {
    let refused = 0;
    const { context, page, sockets } = await openRoom({
      setup: async (_ctx, p) => {
        await p.route('**/api/ws-ticket', (route) => {
          refused += 1;
          return route.fulfill({
            status: 503,
            contentType: 'application/json',
            body: JSON.stringify({ error: { code: 'unavailable', message: 'try again later' } }),
          });
        });
      },
    });
    await waitForStatus(page, ['reconnecting', 'offline']);
    assert.equal(sockets.length, 0, 'no socket without a ticket');
    const deadline = Date.now() + 10_000;
    while (refused < 2 && Date.now() < deadline) await page.waitForTimeout(100);
    assert.ok(refused >= 2, `asked again after a failure (${refused})`);
    await page.unroute('**/api/ws-ticket');
    await waitForStatus(page, 'connected'); // the next scheduled attempt gets a ticket
    assert.ok(new URL(sockets.at(-1)).searchParams.get('ticket'));
    await context.close();
  });

  it('a 401 to the ticket request ends the session', { timeout: 60_000 }, async () => {
    const { context, page } = await openRoom();
    await waitForStatus(page, 'connected');
    await page.route('**/api/ws-ticket', (route) =>
      route.fulfill({
        status: 401,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'unauthorized', message: 'token expired' } }),
      }),
    );
    await context.setOffline(true);
    await waitForStatus(page, 'offline');
    await context.setOffline(false); // the reconnect asks for a ticket: 401
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await page.getByText('Your session has ended. Please log in again.').waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem('chat.token')), null);
    await context.close();
  });
});
