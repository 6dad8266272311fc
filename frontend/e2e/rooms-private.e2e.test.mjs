// End-to-end for issue 10: private rooms, direct messages, the owner's member
// manager and message search. Three people in three browser contexts against a
// real local-dev; nothing is mocked.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { api, ensureScreenshotDir, launchBrowser, messageLog, send, startLocalDev, unnamedControls, waitForCount } from './harness.mjs';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const PASSWORD = 'correct horse battery';
const STEP_TIMEOUT = 90_000;

let server;
let browser;
let shots;
const people = {};
const tokens = {};
const rooms = {};

async function shot(page, name) {
  await page.waitForTimeout(250);
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

async function newPerson(name, viewport = DESKTOP) {
  const context = await browser.newContext({ viewport, locale: 'en-US', timezoneId: 'UTC' });
  context.setDefaultTimeout(20_000);
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
  tokens[username] = await page.evaluate(() => localStorage.getItem('chat.token'));
}

const row = (page, roomId) => page.locator(`.room-row[data-room-id="${roomId}"]`);

describe('private rooms, direct messages, members and search', { concurrency: false }, () => {
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

  it('creates a private room from the form: a lock in the sidebar, invisible to others', { timeout: STEP_TIMEOUT }, async () => {
    for (const name of ['alice', 'bob', 'carol']) {
      people[name] = await newPerson(name);
      await register(people[name].page, name);
    }
    const { page: a } = people.alice;
    // A public room everyone is in (so alice has people to suggest).
    await a.getByRole('button', { name: 'New room' }).click();
    await a.getByLabel('Room name').fill('lobby');
    await a.getByRole('button', { name: 'Create room' }).click();
    await a.getByRole('heading', { name: 'lobby', exact: true }).waitFor();
    rooms.lobby = Number(new URL(a.url()).pathname.split('/').pop());
    for (const name of ['bob', 'carol']) {
      const r = await api(server.baseUrl, 'POST', `/api/rooms/${rooms.lobby}/join`, { token: tokens[name] });
      assert.equal(r.status, 200);
    }

    await a.getByRole('button', { name: 'New room' }).click();
    await a.getByLabel('Room name').fill('secret');
    await a.getByLabel('Private room').check();
    await a.getByRole('button', { name: 'Create room' }).click();
    await a.getByRole('heading', { name: 'secret (private)', exact: true }).waitFor();
    rooms.secret = Number(new URL(a.url()).pathname.split('/').pop());
    const secretRow = row(a, rooms.secret);
    assert.equal(await secretRow.getAttribute('data-kind'), 'private');
    assert.equal(await secretRow.locator('svg[data-icon="lock"]').count(), 1, 'the private room shows a lock');
    await a.getByRole('link', { name: /^secret, private,/ }).waitFor();
    const server_room = await api(server.baseUrl, 'GET', `/api/rooms/${rooms.secret}`, { token: tokens.alice });
    assert.equal(server_room.body.kind, 'private');
    await send(a, 'only for the invited');
    await waitForCount(a, 'only for the invited', 1);

    // carol sees lobby but not the private room (also after a reload).
    const { page: c } = people.carol;
    await c.reload();
    await row(c, rooms.lobby).waitFor();
    assert.equal(await row(c, rooms.secret).count(), 0, 'carol does not see the private room');
    const peek = await api(server.baseUrl, 'GET', `/api/rooms/${rooms.secret}`, { token: tokens.carol });
    assert.equal(peek.status, 404);
  });

  it('the owner adds carol with a suggestion; the room appears for her live; removing her drops it', { timeout: STEP_TIMEOUT }, async () => {
    const { page: a } = people.alice;
    const { page: c } = people.carol;
    await a.getByRole('button', { name: 'Manage members' }).click();
    const dialog = a.getByRole('dialog', { name: /^Members of secret/ });
    await dialog.waitFor();
    await dialog.getByLabel('Username to add').fill('ca');
    await dialog.getByRole('button', { name: 'Add carol' }).click();
    await dialog.getByRole('status').filter({ hasText: 'carol was added.' }).waitFor();
    await dialog.getByRole('list', { name: 'Members' }).getByText('carol').waitFor();
    assert.deepEqual(await unnamedControls(a), [], 'every control in the manager is named');
    await shot(a, 'members-manager-desktop');

    // Live, no reload: the `room` joined frame.
    await row(c, rooms.secret).waitFor();
    await c.getByRole('link', { name: /^secret, private,/ }).click();
    await waitForCount(c, 'only for the invited', 1);

    // Remove with a confirmation; carol is in the room: she leaves it, with a notice.
    await dialog.getByRole('button', { name: 'Remove carol' }).click();
    const confirm = a.getByRole('dialog', { name: 'Remove carol?' });
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await dialog.getByRole('status').filter({ hasText: 'carol was removed.' }).waitFor();
    await c.getByRole('alert').filter({ hasText: 'You were removed from secret.' }).waitFor();
    await c.waitForURL(/\/rooms$/);
    assert.equal(await row(c, rooms.secret).count(), 0, 'the room left carol’s list');
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('a DM from the members panel and from "New message": live delivery, unread badge, presence dot', { timeout: STEP_TIMEOUT }, async () => {
    const { page: a } = people.alice;
    const { page: b } = people.bob;
    // alice, in lobby, messages bob from the people panel.
    await a.getByRole('link', { name: /^lobby,/ }).click();
    await a.getByRole('heading', { name: 'lobby', exact: true }).waitFor();
    // The people panel is always shown at desktop width.
    await a.getByRole('complementary', { name: 'People in this room' }).getByRole('button', { name: 'Message bob' }).click();
    await a.getByRole('heading', { name: 'bob', exact: true }).waitFor();
    rooms.dm = Number(new URL(a.url()).pathname.split('/').pop());
    assert.equal(await row(a, rooms.dm).getAttribute('data-kind'), 'direct');
    await a.getByRole('list', { name: 'Direct messages' }).getByRole('link', { name: /^Direct message with bob, online/ }).waitFor();
    // A direct room is named after the person, not as a channel.
    await a.getByRole('textbox', { name: 'Message @bob' }).waitFor();
    await a.getByText('This is the start of @bob').waitFor();

    // bob gets the DM in his sidebar live (he is looking at the rooms list).
    await b.getByRole('list', { name: 'Direct messages' }).getByRole('link', { name: /^Direct message with alice/ }).waitFor();
    await send(a, 'hi bob, just us');
    await b.locator(`.room-row[data-room-id="${rooms.dm}"][data-unread="1"]`).waitFor();
    await shot(b, 'rooms-dm-unread-desktop');
    await b.getByRole('link', { name: /^Direct message with alice/ }).click();
    await waitForCount(b, 'hi bob, just us', 1);
    await b.locator(`.room-row[data-room-id="${rooms.dm}"][data-unread="0"]`).waitFor();
    await send(b, 'hi alice');
    await waitForCount(a, 'hi alice', 1);

    // The "New message" picker suggests people from your rooms and opens the same DM.
    await b.getByRole('button', { name: 'New message' }).click();
    await b.getByLabel('Username to message').fill('al');
    await b.getByRole('button', { name: 'Message alice' }).click();
    await b.waitForURL(new RegExp(`/rooms/${rooms.dm}$`));
    // A DM cannot be left: no leave control.
    assert.equal(await b.getByRole('button', { name: 'Leave alice' }).count(), 0);
    // An unknown user is explained.
    await b.getByRole('button', { name: 'New message' }).click();
    await b.getByLabel('Username to message').fill('nobody_here');
    await b.getByRole('button', { name: 'Message', exact: true }).click();
    await b.getByRole('alert').filter({ hasText: 'There is no user called “nobody_here”.' }).waitFor();
    await b.getByRole('button', { name: 'Cancel' }).click();
    assert.deepEqual(await unnamedControls(b), []);
  });

  it('search (Ctrl+K and "/") groups by room, highlights safely, and jumps to an old message', { timeout: STEP_TIMEOUT }, async () => {
    const { page: a } = people.alice;
    // An old message far back in lobby, then 120 newer ones, all through the API.
    const post = (content) => api(server.baseUrl, 'POST', `/api/rooms/${rooms.lobby}/messages`, { token: tokens.bob, body: { content } });
    assert.equal((await post('the <b>zebra</b> crossing is old')).status, 201);
    for (let i = 0; i < 120; i += 1) assert.equal((await post(`filler ${i}`)).status, 201);
    await post('a zebra again, newer');

    await a.goto(`${server.baseUrl}/rooms/${rooms.dm}`);
    await a.getByRole('heading', { name: 'bob', exact: true }).waitFor();
    await a.locator('body').click();
    await a.keyboard.press('Control+k');
    const box = a.getByRole('searchbox', { name: 'Search messages' });
    assert.equal(await box.evaluate((el) => el === document.activeElement), true, 'Ctrl+K focuses search');
    await box.blur();
    await a.locator('body').click();
    await a.keyboard.press('/');
    assert.equal(await box.evaluate((el) => el === document.activeElement), true, '"/" focuses search');
    await a.keyboard.type('zeb');
    const results = a.getByRole('region', { name: 'Search results' });
    const group = results.getByRole('region', { name: 'Results in #lobby' });
    await group.getByRole('button').nth(1).waitFor();
    assert.equal(await results.getByRole('region').count(), 1, 'one room group');
    // Highlighted as <mark>, the HTML in the message shown as text.
    const marks = await group.locator('mark').allTextContents();
    assert.ok(marks.length >= 2 && marks.every((m) => m.toLowerCase() === 'zeb'), JSON.stringify(marks));
    assert.equal(await results.locator('b').count(), 0, 'no HTML from the message');
    await group.getByText('the <b>', { exact: false }).waitFor();
    await shot(a, 'search-desktop');

    await group.getByRole('button', { name: /the <b>zebra<\/b> crossing is old/ }).click();
    await a.getByRole('heading', { name: 'lobby', exact: true }).waitFor();
    await waitForCount(a, 'the <b>zebra</b> crossing is old', 1);
    const old = messageLog(a).locator('.msg-text', { hasText: 'crossing is old' });
    await old.waitFor();
    assert.ok(await old.isVisible(), 'the old message is on screen');
    await a.waitForURL(new RegExp(`/rooms/${rooms.lobby}$`));
  });

  it('the sidebar with a private room and a DM: desktop and phone', { timeout: STEP_TIMEOUT }, async () => {
    const { page: a } = people.alice;
    await a.goto(`${server.baseUrl}/rooms`);
    await row(a, rooms.secret).waitFor();
    await row(a, rooms.dm).waitFor();
    await shot(a, 'rooms-private-dm-desktop');
    const phone = await newPerson('alice-phone', PHONE);
    await phone.page.goto(`${server.baseUrl}/login`);
    await phone.page.getByLabel('Username').fill('alice');
    await phone.page.getByLabel('Password').fill(PASSWORD);
    await phone.page.getByRole('button', { name: 'Log in' }).click();
    await row(phone.page, rooms.dm).waitFor();
    await row(phone.page, rooms.secret).waitFor();
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, 'no horizontal scroll at 390px');
    assert.deepEqual(await unnamedControls(phone.page), []);
    await shot(phone.page, 'rooms-private-dm-phone');
    await phone.context.close();
  });
});
