// End-to-end: two people chat through the real SPA, a real local-dev (REST +
// WebSocket) on a fresh SQLite file, in Debian's Chromium. Nothing is mocked;
// the only interference is cutting alice's socket (routeWebSocket) and, for the
// retry cases, dropping one HTTP answer after the server has handled it or
// answering one POST with a 500.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import {
  api,
  countMessages,
  ensureScreenshotDir,
  launchBrowser,
  messageLog,
  send,
  startLocalDev,
  unnamedControls,
  waitForCount,
  waitForStatus,
} from './harness.mjs';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const PASSWORD = 'correct horse battery';
const STEP_TIMEOUT = 90_000;

let server;
let browser;
let shots;
/** @type {Record<string, { context: import('playwright-core').BrowserContext, page: import('playwright-core').Page }>} */
const people = {};
let roomId;

// alice's sockets go through this proxy so the test can cut them.
const aliceSockets = { blocked: false, routes: new Set() };

async function shot(page, name) {
  await page.waitForTimeout(250); // let transitions settle
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

async function newPerson(name, { viewport = DESKTOP, colorScheme = 'light', proxySockets = false } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, locale: 'en-US', timezoneId: 'UTC' });
  context.setDefaultTimeout(20_000);
  if (proxySockets) {
    await context.routeWebSocket(/\/ws(\/|\?|$)/, (ws) => {
      if (aliceSockets.blocked) {
        ws.close({ code: 1011, reason: 'blocked by test' });
        return;
      }
      const upstream = ws.connectToServer(); // frames are forwarded both ways untouched
      const link = { ws, upstream };
      aliceSockets.routes.add(link);
      const drop = () => {
        aliceSockets.routes.delete(link);
        upstream.close().catch(() => {});
      };
      ws.onClose(drop); // the page closed it (navigation, reload): close the server side too
      upstream.onClose(() => {
        aliceSockets.routes.delete(link);
        ws.close().catch(() => {});
      });
    });
  }
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[${name}] page error:`, err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') console.error(`[${name}] console:`, msg.text());
  });
  return { context, page };
}

async function register(page, username) {
  await page.goto(`${server.baseUrl}/register`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('navigation', { name: 'Rooms' }).waitFor();
}

/** Cut every socket alice has, on both sides, as a dropped connection would. */
async function cutAliceSockets() {
  for (const { ws, upstream } of [...aliceSockets.routes]) {
    await upstream.close({ code: 1001, reason: 'test cut the socket' }).catch(() => {});
    await ws.close({ code: 4000, reason: 'test cut the socket' }).catch(() => {});
  }
  aliceSockets.routes.clear();
}

describe('chat SPA against local-dev', { concurrency: false }, () => {
  before(async () => {
    shots = ensureScreenshotDir();
    server = await startLocalDev();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    if (server && process.env.E2E_SHOW_LOGS) console.log(server.logs());
    await server?.stop();
  });

  it('shows the API error message on the auth screens', { timeout: STEP_TIMEOUT }, async () => {
    const { page, context } = await newPerson('anon');
    await page.goto(`${server.baseUrl}/`);
    // Signed out: any path lands on the login screen.
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    assert.match(page.url(), /\/login$/);
    await shot(page, 'login-desktop');
    assert.deepEqual(await unnamedControls(page), [], 'every control on the login screen has a name');
    await page.getByLabel('Username').fill('nobody');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.ok((await alert.textContent()).trim().length > 0, 'the login error shows the API message');

    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await page.getByLabel('Username').fill('x');
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('alert').waitFor();
    const shown = (await page.getByRole('alert').textContent()).trim();
    const direct = await api(server.baseUrl, 'POST', '/api/auth/register', { body: { username: 'x', password: 'short' } });
    assert.equal(direct.status, 422);
    assert.equal(shown, direct.body.error.message, 'the register screen shows error.message verbatim');
    await shot(page, 'register-error-desktop');
    await context.close();
  });

  it('registers two users in two browser contexts', { timeout: STEP_TIMEOUT }, async () => {
    people.alice = await newPerson('alice', { proxySockets: true });
    people.bob = await newPerson('bob');
    await register(people.alice.page, 'alice');
    await register(people.bob.page, 'bob');
    const token = await people.alice.page.evaluate(() => localStorage.getItem('chat.token'));
    assert.ok(token && token.split('.').length === 3, 'the JWT is kept in localStorage');
  });

  it('alice creates a room and bob joins it from the room list', { timeout: STEP_TIMEOUT }, async () => {
    const { page: a } = people.alice;
    const { page: b } = people.bob;
    await a.getByRole('button', { name: 'New room' }).click();
    await a.getByLabel('Room name').fill('general');
    await a.getByRole('button', { name: 'Create room' }).click();
    await a.waitForURL(/\/rooms\/\d+$/);
    roomId = Number(new URL(a.url()).pathname.split('/').pop());
    await a.getByRole('heading', { name: 'general' }).waitFor();
    await a.getByRole('list', { name: 'Your rooms' }).getByText('general').waitFor();

    // No reload: the `room` frame (created) puts it in bob's Discover list live.
    const join = b.getByRole('button', { name: 'Join general' });
    await join.waitFor();
    await join.click();
    await b.waitForURL(new RegExp(`/rooms/${roomId}$`));
    await b.getByRole('list', { name: 'Your rooms' }).getByText('general').waitFor();
    await waitForStatus(b, 'connected');
    await waitForStatus(a, 'connected');
  });

  it('each sees the other online (one entry per user)', { timeout: STEP_TIMEOUT }, async () => {
    const { page: a } = people.alice;
    const { page: b } = people.bob;
    await a.getByRole('list', { name: 'Online users' }).getByText('bob', { exact: true }).waitFor();
    await b.getByRole('list', { name: 'Online users' }).getByText('alice', { exact: true }).waitFor();
    // A second tab for bob must not list him twice.
    const bob2 = await people.bob.context.newPage();
    await bob2.goto(`${server.baseUrl}/rooms/${roomId}`);
    await waitForStatus(bob2, 'connected');
    await a.waitForTimeout(500);
    const entries = await a.getByRole('list', { name: 'Online users' }).getByText('bob', { exact: true }).count();
    assert.equal(entries, 1);
    await bob2.close();
  });

  it('they chat both ways, own messages marked, typing shown', { timeout: STEP_TIMEOUT }, async () => {
    const { page: a } = people.alice;
    const { page: b } = people.bob;

    // bob types: alice sees it.
    await b.getByRole('textbox', { name: 'Message #general' }).fill('Hey alice');
    await a.getByText('bob is typing…').waitFor();
    await b.getByRole('textbox', { name: 'Message #general' }).press('Enter');
    await waitForCount(a, 'Hey alice', 1);
    await waitForCount(b, 'Hey alice', 1);

    await a.getByRole('textbox', { name: 'Message #general' }).fill('Hi bob!');
    await b.getByText('alice is typing…').waitFor();
    await a.getByRole('textbox', { name: 'Message #general' }).press('Enter');
    await waitForCount(b, 'Hi bob!', 1);
    await waitForCount(a, 'Hi bob!', 1);

    // Shift+Enter is a newline, Enter sends; the text keeps its line break.
    const box = a.getByRole('textbox', { name: 'Message #general' });
    await box.fill('');
    await box.type('Line one');
    await box.press('Shift+Enter');
    await box.type('line two <b>not bold</b>');
    await box.press('Enter');
    const multi = messageLog(b).locator('.msg-text', { hasText: 'Line one' });
    await multi.waitFor();
    assert.equal(await multi.textContent(), 'Line one\nline two <b>not bold</b>');
    assert.equal(await messageLog(b).locator('b').count(), 0, 'user text is never HTML');

    // Own messages are marked; the optimistic copy was replaced by the server's.
    const own = messageLog(a).locator('li.msg', { hasText: 'Hi bob!' });
    assert.equal(await own.getAttribute('data-own'), 'true');
    await messageLog(a).locator('li.msg[data-status="sent"]', { hasText: 'Hi bob!' }).waitFor();
    assert.equal(await messageLog(b).locator('li.msg', { hasText: 'Hi bob!' }).getAttribute('data-own'), 'false');

    await send(b, 'Lunch at noon? The usual place.');
    await waitForCount(a, 'Lunch at noon\\? The usual place\\.', 1);
    await a.getByRole('textbox', { name: 'Message #general' }).fill('Sounds good');
    await a.getByText('alice is typing…').count().then((n) => assert.equal(n, 0, 'no typing line for yourself'));
    await b.getByText('alice is typing…').waitFor();
    await shot(b, 'room-desktop');
    assert.deepEqual(await unnamedControls(b), [], 'every control in the room view has a name');
    await send(a, 'Sounds good');
    await waitForCount(b, 'Sounds good', 1);
    // Day separator and times are there.
    await b.getByRole('separator', { name: 'Today' }).waitFor();
    assert.ok((await messageLog(b).locator('time').count()) > 0);
    await shot(a, 'room-desktop-own');

    // The counter near the 4000-character limit, and no sending past it.
    const box2 = a.getByRole('textbox', { name: 'Message #general' });
    await box2.fill('x'.repeat(3990));
    await a.getByText('10 characters left').waitFor();
    await box2.fill('x'.repeat(4001));
    await a.getByText('1 character over the limit').waitFor();
    assert.equal(await a.getByRole('button', { name: 'Send message' }).isDisabled(), true);
    await box2.press('Enter');
    assert.equal(await box2.inputValue(), 'x'.repeat(4001), 'Enter does not send an over-long message');
    await box2.fill('');
  });

  it('a reload keeps the session and the history', { timeout: STEP_TIMEOUT }, async () => {
    const { page: b } = people.bob;
    await b.reload();
    await b.getByRole('heading', { name: 'general' }).waitFor();
    await waitForCount(b, 'Hi bob!', 1);
    await waitForCount(b, 'Hey alice', 1);
    await waitForCount(b, 'Sounds good', 1);
    await waitForStatus(b, 'connected');
    assert.ok(await b.evaluate(() => localStorage.getItem('chat.token')));
  });

  it('alice loses her socket, then catches up once without duplicates', { timeout: STEP_TIMEOUT }, async () => {
    const { page: a } = people.alice;
    const { page: b } = people.bob;
    await waitForStatus(a, 'connected');

    aliceSockets.blocked = true;
    await cutAliceSockets();
    await waitForStatus(a, ['reconnecting', 'offline']);
    // The server saw her go: bob's online list drops her.
    await b.getByRole('list', { name: 'Online users' }).getByText('alice', { exact: true }).waitFor({ state: 'detached' });
    await shot(a, 'room-reconnecting-desktop');

    await send(b, 'missed one');
    await send(b, 'missed two');
    await waitForCount(b, 'missed two', 1);
    // While the socket is down alice still sends: REST carries it.
    await send(a, 'sent over REST');
    await waitForCount(b, 'sent over REST', 1);
    assert.equal(await countMessages(a, 'missed one'), 0, 'alice really was cut off');

    aliceSockets.blocked = false;
    const reconnect = a.getByRole('button', { name: 'Reconnect now' });
    if (await reconnect.isVisible()) await reconnect.click();
    await waitForStatus(a, 'connected', 45_000);
    await b.getByRole('list', { name: 'Online users' }).getByText('alice', { exact: true }).waitFor();
    await waitForCount(a, 'missed one', 1);
    await waitForCount(a, 'missed two', 1);
    await waitForCount(a, 'sent over REST', 1);
    await send(b, 'after reconnect');
    await waitForCount(a, 'after reconnect', 1);
    await a.waitForTimeout(500);
    for (const text of ['missed one', 'missed two', 'sent over REST', 'Hi bob!']) {
      assert.equal(await countMessages(a, text), 1, `"${text}" once on alice's screen`);
      assert.equal(await countMessages(b, text), 1, `"${text}" once on bob's screen`);
    }
  });

  it('a send whose answer was lost goes again by itself with the same client_id and is stored once', { timeout: STEP_TIMEOUT }, async () => {
    const { page: a } = people.alice;
    const { page: b } = people.bob;
    // Socket down, so the outbox uses REST; the first POST reaches the server
    // but its answer is dropped, as on a flaky network.
    aliceSockets.blocked = true;
    await cutAliceSockets();
    await waitForStatus(a, ['reconnecting', 'offline']);
    const bodies = [];
    await a.route('**/api/rooms/*/messages', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      bodies.push(route.request().postDataJSON());
      if (bodies.length === 1) {
        await route.fetch(); // the server stores it…
        await route.abort('connectionreset'); // …and the browser never hears back
        return;
      }
      await route.continue();
    });
    await send(a, 'retry me');
    await waitForCount(b, 'retry me', 1); // stored the first time
    // Unreachable is not a failure: it waits and is sent again, alone, with the same client_id.
    await messageLog(a).locator('li.msg[data-status="sent"]', { hasText: 'retry me' }).waitFor();
    assert.ok(bodies.length >= 2, `sent again after the lost answer (${bodies.length} POSTs)`);
    assert.match(bodies[0].client_id, /^[A-Za-z0-9_-]{1,64}$/);
    for (const body of bodies) assert.equal(body.client_id, bodies[0].client_id, 'every attempt reuses the client_id');
    await a.unroute('**/api/rooms/*/messages');

    // A refusal that is not about the network (a 500 here) shows "Not sent" with Retry.
    let refused = null;
    let retried = null;
    await a.route('**/api/rooms/*/messages', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      if (!refused) {
        refused = route.request().postDataJSON();
        await route.fulfill({
          status: 500,
          contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'internal', message: 'The server had a problem.' } }),
        });
        return;
      }
      retried = route.request().postDataJSON();
      await route.continue();
    });
    await send(a, 'refused once');
    const failed = messageLog(a).locator('li.msg[data-status="failed"]', { hasText: 'refused once' });
    await failed.waitFor();
    await failed.getByText('Not sent: The server had a problem.').waitFor();
    await shot(a, 'room-send-failed-desktop');
    await failed.getByRole('button', { name: 'Retry' }).click();
    await messageLog(a).locator('li.msg[data-status="sent"]', { hasText: 'refused once' }).waitFor();
    assert.equal(retried.client_id, refused.client_id, 'Retry reuses the client_id');
    await a.unroute('**/api/rooms/*/messages');

    aliceSockets.blocked = false;
    const reconnect = a.getByRole('button', { name: 'Reconnect now' });
    if (await reconnect.isVisible()) await reconnect.click();
    await waitForStatus(a, 'connected', 45_000);
    await a.waitForTimeout(500);
    for (const text of ['retry me', 'refused once']) {
      assert.equal(await countMessages(a, text), 1);
      assert.equal(await countMessages(b, text), 1);
    }
    await b.reload();
    await waitForCount(b, 'Sounds good', 1);
    assert.equal(await countMessages(b, 'retry me'), 1, 'stored once on the server');
    assert.equal(await countMessages(b, 'refused once'), 1, 'stored once on the server');
  });

  it('shows Offline while the browser is offline, queues what is written, sends it once when back', { timeout: STEP_TIMEOUT }, async () => {
    const { page: a, context } = people.alice;
    const { page: b } = people.bob;
    await waitForStatus(a, 'connected');
    await context.setOffline(true);
    await waitForStatus(a, 'offline');
    await b.getByRole('list', { name: 'Offline members' }).getByText('alice', { exact: true }).waitFor();
    await send(b, 'while you were offline');
    // Written offline: shown at once as waiting, in order, and not sent anywhere yet.
    await send(a, 'written offline 1');
    await send(a, 'written offline 2');
    const queued = messageLog(a).locator('li.msg[data-status="queued"]');
    await queued.nth(1).waitFor();
    assert.deepEqual(await queued.locator('.msg-text').allTextContents(), ['written offline 1', 'written offline 2']);
    await a.getByText('Waiting to send…').first().waitFor();
    await shot(a, 'room-offline-desktop');
    await b.waitForTimeout(500);
    assert.equal(await countMessages(b, 'written offline 1'), 0, 'nothing left while offline');
    await context.setOffline(false);
    await waitForStatus(a, 'connected', 30_000);
    await waitForCount(a, 'while you were offline', 1);
    await waitForCount(b, 'written offline 2', 1);
    await b.getByRole('list', { name: 'Online users' }).getByText('alice', { exact: true }).waitFor();
    await a.waitForTimeout(500);
    for (const page of [a, b]) {
      const texts = await messageLog(page).locator('.msg-text').allTextContents();
      const mine = texts.filter((t) => t.startsWith('written offline'));
      assert.deepEqual(mine, ['written offline 1', 'written offline 2'], 'each once, in the order written');
    }
    assert.equal(await messageLog(a).locator('li.msg[data-status="queued"]').count(), 0);
  });

  it('loads older history by scrolling up', { timeout: STEP_TIMEOUT }, async () => {
    const { page: a } = people.alice;
    const bobLogin = await api(server.baseUrl, 'POST', '/api/auth/login', { body: { username: 'bob', password: PASSWORD } });
    assert.equal(bobLogin.status, 200);
    const bobToken = bobLogin.body.access_token;
    const aliceLogin = await api(server.baseUrl, 'POST', '/api/auth/login', { body: { username: 'alice', password: PASSWORD } });
    const created = await api(server.baseUrl, 'POST', '/api/rooms', { token: bobToken, body: { name: 'archive' } });
    assert.equal(created.status, 201);
    const archive = created.body.id;
    const TOTAL = 130;
    for (let i = 1; i <= TOTAL; i += 1) {
      const r = await api(server.baseUrl, 'POST', `/api/rooms/${archive}/messages`, {
        token: bobToken,
        body: { content: `archived ${String(i).padStart(3, '0')}` },
      });
      assert.equal(r.status, 201);
    }
    const joined = await api(server.baseUrl, 'POST', `/api/rooms/${archive}/join`, { token: aliceLogin.body.access_token });
    assert.equal(joined.status, 200);

    await a.goto(`${server.baseUrl}/rooms/${archive}`);
    await waitForCount(a, `archived ${TOTAL}`, 1);
    assert.equal(await countMessages(a, 'archived 001'), 0, 'only the newest page at first');
    const scroller = a.getByRole('region', { name: 'Messages in archive' });
    const deadline = Date.now() + 30_000;
    while ((await countMessages(a, 'archived 001')) === 0) {
      assert.ok(Date.now() < deadline, 'older pages load while scrolling up');
      await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
      await a.waitForTimeout(200);
    }
    await a.getByText('This is the start of #archive').waitFor();
    const texts = await messageLog(a).locator('.msg-text').allTextContents();
    assert.equal(texts.length, TOTAL, 'every message once');
    assert.deepEqual(
      texts,
      Array.from({ length: TOTAL }, (_, i) => `archived ${String(i + 1).padStart(3, '0')}`),
      'in id order',
    );
  });

  it('works at phone width and measures time to first render', { timeout: STEP_TIMEOUT }, async () => {
    const phone = await newPerson('alice-phone', { viewport: PHONE });
    const { page } = phone;
    await page.goto(`${server.baseUrl}/login`);
    await shot(page, 'login-phone');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('list', { name: 'Your rooms' }).waitFor();

    // Time to first render: a fresh navigation with a stored session until the room list shows.
    const t0 = Date.now();
    await page.goto(`${server.baseUrl}/rooms`);
    await page.getByRole('list', { name: 'Your rooms' }).getByText('general').waitFor();
    const wall = Date.now() - t0;
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      return { domContentLoaded: Math.round(nav.domContentLoadedEventEnd), roomsVisible: Math.round(performance.now()) };
    });
    console.log(
      `first render on local-dev: DOMContentLoaded ${timing.domContentLoaded} ms, room list visible ${timing.roomsVisible} ms after navigation start (${wall} ms wall)`,
    );
    assert.ok(timing.roomsVisible < 5000, 'the room list shows within 5 s');
    await shot(page, 'rooms-phone');

    await page.getByRole('link', { name: /^general,/ }).click();
    await page.getByRole('heading', { name: 'general' }).waitFor();
    await waitForCount(page, 'Sounds good', 1);
    await waitForStatus(page, 'connected');
    await page.getByRole('list', { name: 'Online users' }).getByText('alice (you)').count();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, 'no horizontal scrolling at 390 px');
    await page.getByRole('textbox', { name: 'Message #general' }).fill('On my phone');
    await shot(page, 'room-phone');
    await page.getByRole('button', { name: 'Show people in this room' }).click();
    await page.getByRole('list', { name: 'Online users' }).getByText('bob', { exact: true }).waitFor();
    await shot(page, 'members-phone');
    assert.deepEqual(await unnamedControls(page), [], 'every control at phone width has a name');
    await page.getByRole('button', { name: 'Show people in this room' }).click();
    await page.getByRole('link', { name: 'Back to rooms' }).click();
    await page.getByRole('list', { name: 'Your rooms' }).waitFor();
    await phone.context.close();
  });

  it('renders the room list and the join screen (desktop, light and dark)', { timeout: STEP_TIMEOUT }, async () => {
    // A few more rooms so the list looks like a real workspace.
    const bobToken = (await api(server.baseUrl, 'POST', '/api/auth/login', { body: { username: 'bob', password: PASSWORD } }))
      .body.access_token;
    for (const [name, text] of [
      ['design-reviews', 'New mockups are up for review.'],
      ['random', 'Anyone up for coffee?'],
    ]) {
      const room = await api(server.baseUrl, 'POST', '/api/rooms', { token: bobToken, body: { name } });
      assert.equal(room.status, 201);
      await api(server.baseUrl, 'POST', `/api/rooms/${room.body.id}/messages`, { token: bobToken, body: { content: text } });
    }
    await api(server.baseUrl, 'POST', '/api/rooms', { token: bobToken, body: { name: 'announcements' } });

    const carol = await newPerson('carol', { colorScheme: 'dark' });
    await register(carol.page, 'carol');
    await carol.page.getByRole('button', { name: 'Join general' }).waitFor();
    await shot(carol.page, 'rooms-dark-desktop');
    await carol.page.getByRole('link', { name: /^general,/ }).click();
    await carol.page.getByRole('button', { name: 'Join room' }).waitFor();
    await shot(carol.page, 'join-dark-desktop');
    await carol.page.getByRole('button', { name: 'Join room' }).click();
    await waitForCount(carol.page, 'Hi bob!', 1);
    await waitForStatus(carol.page, 'connected');
    await shot(carol.page, 'room-dark-desktop');
    await carol.context.close();

    const { page: a } = people.alice;
    await a.goto(`${server.baseUrl}/rooms`);
    await a.getByRole('heading', { name: 'Welcome, alice' }).waitFor();
    await shot(a, 'rooms-desktop');
  });

  it('is usable from the keyboard alone', { timeout: STEP_TIMEOUT }, async () => {
    const { page: b } = people.bob;
    await b.goto(`${server.baseUrl}/rooms`);
    assert.deepEqual(await unnamedControls(b), [], 'every control in the room list has a name');
    // Tab from the top of the page to "New room".
    await b.evaluate(() => (document.activeElement instanceof HTMLElement ? document.activeElement.blur() : null));
    let reached = false;
    for (let i = 0; i < 20 && !reached; i += 1) {
      await b.keyboard.press('Tab');
      reached = await b.evaluate(() => document.activeElement?.textContent?.trim() === 'New room');
    }
    assert.ok(reached, 'Tab reaches the New room button');
    await b.keyboard.press('Enter');
    await b.keyboard.type('keyboard-room'); // the name field has focus
    await b.keyboard.press('Enter');
    await b.getByRole('heading', { name: 'keyboard-room' }).waitFor();
    await b.waitForFunction(() => document.activeElement?.tagName === 'TEXTAREA'); // composer focused
    await b.keyboard.type('typed without a mouse');
    await b.keyboard.press('Enter');
    await messageLog(b).locator('li.msg[data-status="sent"]', { hasText: 'typed without a mouse' }).waitFor();
    // The open room is marked as the current page in the list.
    assert.equal(await b.getByRole('link', { name: /^keyboard-room,/ }).getAttribute('aria-current'), 'page');
  });

  it('leaving a room and logging out', { timeout: STEP_TIMEOUT }, async () => {
    const { page: b } = people.bob;
    await b.goto(`${server.baseUrl}/rooms`);
    await b.getByRole('button', { name: 'Leave archive' }).click();
    await b.getByRole('button', { name: 'Join archive' }).waitFor();
    await b.getByRole('button', { name: 'Log out' }).click();
    await b.getByRole('heading', { name: 'Welcome back' }).waitFor();
    assert.equal(await b.evaluate(() => localStorage.getItem('chat.token')), null, 'log out clears the token');
    await b.goto(`${server.baseUrl}/rooms/${roomId}`);
    await b.getByRole('heading', { name: 'Welcome back' }).waitFor();
  });

  it('a 401 anywhere returns to log in', { timeout: STEP_TIMEOUT }, async () => {
    const { page: a } = people.alice;
    await a.evaluate(() => localStorage.setItem('chat.token', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.tampered'));
    await a.goto(`${server.baseUrl}/rooms`);
    await a.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await a.getByText('Your session has ended. Please log in again.').waitFor();
    assert.equal(await a.evaluate(() => localStorage.getItem('chat.token')), null);
  });
});
