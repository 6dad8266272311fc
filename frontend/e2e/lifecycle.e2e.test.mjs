// End-to-end for the message lifecycle (issue 9): the action menu (hover,
// keyboard, long press), edits, deletions (own and the owner's moderation),
// replies (and jumping to a parent that is not loaded), reactions, @mentions
// with autocomplete, safe rich text, and the seq-based catch-up after a
// reconnect. Two people in two browser contexts against a real local-dev;
// nothing is mocked. The only interference: bob's sockets go through
// routeWebSocket so the test can cut and block them, and the test itself
// changes messages over REST (as alice) while bob is away.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  api,
  countMessages,
  ensureScreenshotDir,
  frontendDir,
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
const STEP_TIMEOUT = 120_000;

let server;
let browser;
let shots;
const people = {};
const tokens = {};
const rooms = {};

// bob's sockets go through this proxy so the test can cut them.
const bobSockets = { blocked: false, routes: new Set() };

/**
 * `docs`: one of the pictures `npm run screenshots` refreshes in docs/screenshots;
 * the others always go to the ignored e2e-output/ (for looking at, not for committing).
 */
async function shot(page, name, { docs = false } = {}) {
  await page.waitForTimeout(250);
  const dir = docs ? shots : join(frontendDir, 'e2e-output');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function newPerson(name, { viewport = DESKTOP, proxySockets = false, touch = false, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({
    viewport,
    colorScheme,
    locale: 'en-US',
    timezoneId: 'UTC',
    hasTouch: touch,
    isMobile: touch,
  });
  context.setDefaultTimeout(20_000);
  if (proxySockets) {
    await context.routeWebSocket(/\/ws(\/|\?|$)/, (ws) => {
      if (bobSockets.blocked) {
        ws.close({ code: 1011, reason: 'blocked by test' });
        return;
      }
      const upstream = ws.connectToServer();
      const link = { ws, upstream };
      bobSockets.routes.add(link);
      ws.onClose(() => {
        bobSockets.routes.delete(link);
        upstream.close().catch(() => {});
      });
      upstream.onClose(() => {
        bobSockets.routes.delete(link);
        ws.close().catch(() => {});
      });
    });
  }
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[${name}] page error:`, err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') console.error(`[${name}] console:`, msg.text());
  });
  const person = { context, page, sent: [] };
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => {
      try {
        person.sent.push(JSON.parse(f.payload));
      } catch {
        // not JSON
      }
    });
  });
  return person;
}

async function register(page, username) {
  await page.goto(`${server.baseUrl}/register`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('navigation', { name: 'Rooms' }).waitFor();
  return page.evaluate(() => localStorage.getItem('chat.token'));
}

async function cutBobSockets() {
  for (const { ws, upstream } of [...bobSockets.routes]) {
    await upstream.close({ code: 1001, reason: 'test cut the socket' }).catch(() => {});
    await ws.close({ code: 4000, reason: 'test cut the socket' }).catch(() => {});
  }
  bobSockets.routes.clear();
}

/** The row of the (confirmed) message whose text is exactly `text`. */
function row(page, text) {
  return messageLog(page)
    .locator('li.msg[data-message-id]')
    .filter({ has: page.locator('.msg-text', { hasText: new RegExp(`^${escape(text)}$`) }) });
}

function rowById(page, id) {
  return messageLog(page).locator(`li.msg[data-message-id="${id}"]`);
}

/** Hover a message and click one of its actions. */
async function act(page, target, name) {
  await target.hover();
  await target.getByRole('button', { name }).click();
}

async function roomMessages(roomId, token, query = '') {
  const r = await api(server.baseUrl, 'GET', `/api/rooms/${roomId}/messages${query}`, { token });
  assert.equal(r.status, 200);
  return r.body.messages;
}

async function postAs(who, roomId, content, extra = {}) {
  const r = await api(server.baseUrl, 'POST', `/api/rooms/${roomId}/messages`, {
    token: tokens[who],
    body: { content, ...extra },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

/** Every confirmed message row's id appears once. */
async function assertNoDuplicateRows(page) {
  const ids = await messageLog(page).locator('li.msg[data-message-id]').evaluateAll((els) => els.map((e) => e.dataset.messageId));
  assert.equal(new Set(ids).size, ids.length, `no message shown twice (${ids.length} rows)`);
  return ids.map(Number);
}

describe('message lifecycle: edit, delete, reply, react, mention, seq catch-up', { concurrency: false }, () => {
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

  it('signs alice and bob in; alice owns a room bob is in', { timeout: STEP_TIMEOUT }, async () => {
    people.alice = await newPerson('alice');
    people.bob = await newPerson('bob', { proxySockets: true });
    tokens.alice = await register(people.alice.page, 'alice');
    tokens.bob = await register(people.bob.page, 'bob');
    const created = await api(server.baseUrl, 'POST', '/api/rooms', { token: tokens.alice, body: { name: 'lifecycle' } });
    assert.equal(created.status, 201);
    rooms.main = created.body.id;
    assert.equal(created.body.owner_id, created.body.created_by.id, 'the creator owns the room');
    const other = await api(server.baseUrl, 'POST', '/api/rooms', { token: tokens.alice, body: { name: 'elsewhere' } });
    rooms.other = other.body.id;
    for (const id of [rooms.main, rooms.other]) {
      assert.equal((await api(server.baseUrl, 'POST', `/api/rooms/${id}/join`, { token: tokens.bob })).status, 200);
    }
    for (const { page } of [people.alice, people.bob]) {
      await page.goto(`${server.baseUrl}/rooms/${rooms.main}`);
      await page.getByRole('heading', { name: 'lifecycle' }).waitFor();
      await waitForStatus(page, 'connected');
    }
  });

  it('mention autocomplete, safe rich text, and the mention highlighted for bob', { timeout: STEP_TIMEOUT }, async () => {
    const { page: a } = people.alice;
    const { page: b } = people.bob;
    const box = a.getByRole('textbox', { name: 'Message #lifecycle' });
    await box.fill('');
    await box.pressSequentially('Hello @b');
    const option = a.getByRole('option', { name: '@bob' });
    await option.waitFor();
    assert.equal(await option.getAttribute('aria-selected'), 'true');
    assert.ok((await box.getAttribute('aria-activedescendant'))?.length, 'the textbox points at the picked option');
    // Escape closes the suggestions and keeps the text; typing on reopens nothing for that @.
    await box.press('Escape');
    await a.getByRole('listbox', { name: 'Mention someone' }).waitFor({ state: 'detached' });
    assert.equal(await box.inputValue(), 'Hello @b');
    await box.press('Backspace');
    await box.press('Backspace');
    await box.pressSequentially('@');
    await a.getByRole('listbox', { name: 'Mention someone' }).waitFor();
    await box.press('Tab'); // Tab picks too
    assert.equal(await box.inputValue(), 'Hello @bob ');
    await box.pressSequentially('see **this**, `code <b>` and https://example.com/docs <img src=x onerror=alert(1)>');
    await box.press('Enter');

    const shown = 'Hello @bob see this, code <b> and https://example.com/docs <img src=x onerror=alert(1)>';
    await waitForCount(b, escape(shown), 1);
    const msg = row(b, shown);
    assert.match(await msg.getAttribute('class'), /msg--mentions-me/, 'a message mentioning bob is marked for him');
    assert.equal(await msg.locator('.mention.mention--self').textContent(), '@bob');
    assert.equal(await msg.locator('strong').textContent(), 'this');
    assert.equal(await msg.locator('code').textContent(), 'code <b>');
    const link = msg.getByRole('link', { name: 'https://example.com/docs' });
    assert.equal(await link.getAttribute('href'), 'https://example.com/docs');
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await messageLog(b).locator('img, b').count(), 0, 'user HTML is never rendered');
    // On alice's side it is hers, with @bob highlighted but not as "you".
    const mine = row(a, shown);
    await mine.waitFor();
    assert.equal(await mine.locator('.mention').count(), 1);
    assert.equal(await mine.locator('.mention--self').count(), 0);
    rooms.mentionMessage = Number(await msg.getAttribute('data-message-id'));
  });

  it('reactions: bob reacts from the menu, alice sees who, toggles by the chip', { timeout: STEP_TIMEOUT }, async () => {
    const { page: a } = people.alice;
    const { page: b } = people.bob;
    await send(a, 'Lunch at noon?');
    const onBob = row(b, 'Lunch at noon?');
    await onBob.waitFor();
    await act(b, onBob, 'Add a reaction');
    const picker = b.getByRole('dialog', { name: "Add a reaction to alice's message" });
    await picker.waitFor();
    assert.equal(await picker.getByRole('button').count(), 16, 'a short set of common emoji');
    await shot(b, 'room-reaction-picker-desktop');
    await picker.getByRole('button', { name: 'React with 👍 thumbs up' }).click();
    await picker.waitFor({ state: 'detached' });

    const onAlice = row(a, 'Lunch at noon?');
    const chipA = onAlice.getByRole('button', { name: /^👍 1: bob\. Add your reaction$/ });
    await chipA.waitFor();
    assert.equal(await chipA.getAttribute('aria-pressed'), 'false');
    assert.equal(await chipA.getAttribute('title'), 'bob reacted with 👍');
    await chipA.click(); // alice adds hers by the chip
    await onAlice.getByRole('button', { name: /^👍 2: You and bob\. Remove your reaction$/ }).waitFor();
    await onBob.getByRole('button', { name: /^👍 2: You and alice\. Remove your reaction$/ }).waitFor();
    // bob takes his back.
    await onBob.getByRole('button', { name: /^👍 2:/ }).click();
    await onAlice.getByRole('button', { name: /^👍 1: You\. Remove your reaction$/ }).waitFor();
    await onBob.getByRole('button', { name: /^👍 1: alice\. Add your reaction$/ }).waitFor();
    // A second emoji from the picker, in first-use order.
    await act(b, onBob, 'Add a reaction');
    await b.getByRole('button', { name: 'React with 🎉 party' }).click();
    await onAlice.getByRole('button', { name: /^🎉 1: bob\./ }).waitFor();
    const order = await onAlice.locator('.reaction-emoji').allTextContents();
    assert.deepEqual(order, ['👍', '🎉']);
    const stored = (await roomMessages(rooms.main, tokens.alice)).find((m) => m.content === 'Lunch at noon?');
    assert.deepEqual(
      stored.reactions.map((r) => [r.emoji, r.count]),
      [
        ['👍', 1],
        ['🎉', 1],
      ],
    );
  });

  it('replies: bob replies from the menu, alice sees the preview above it', { timeout: STEP_TIMEOUT }, async () => {
    const { page: a } = people.alice;
    const { page: b } = people.bob;
    await act(b, row(b, 'Lunch at noon?'), 'Reply');
    await b.getByText('Replying to').waitFor();
    const box = b.getByRole('textbox', { name: 'Message #lifecycle' });
    assert.equal(await b.evaluate(() => document.activeElement?.tagName), 'TEXTAREA', 'the composer has focus');
    await box.fill('Sure, the usual place');
    await shot(b, 'room-replying-desktop');
    await box.press('Enter');
    await b.getByText('Replying to').waitFor({ state: 'detached' });

    const reply = row(a, 'Sure, the usual place');
    await reply.waitFor();
    const preview = reply.getByRole('button', { name: /^In reply to alice: Lunch at noon\?\. Show that message$/ });
    await preview.waitFor();
    const stored = (await roomMessages(rooms.main, tokens.alice)).find((m) => m.content === 'Sure, the usual place');
    const parent = (await roomMessages(rooms.main, tokens.alice)).find((m) => m.content === 'Lunch at noon?');
    assert.equal(stored.reply_to.id, parent.id, 'stored as a reply to the parent');
    // Clicking the preview shows (and highlights) the parent.
    await preview.click();
    await row(a, 'Lunch at noon?').and(a.locator('.is-highlighted')).waitFor();
    await row(a, 'Lunch at noon?').locator('.msg-bubble').hover(); // one menu on screen: the focused message's
    await shot(a, 'room-reactions-reply-desktop', { docs: true });
  });

  it('edits: alice edits from the menu and with Up; bob sees the new text once, marked edited', { timeout: STEP_TIMEOUT }, async () => {
    const { page: a } = people.alice;
    const { page: b } = people.bob;
    // Only your own messages can be edited.
    await row(b, 'Lunch at noon?').hover();
    assert.equal(await row(b, 'Lunch at noon?').getByRole('button', { name: 'Edit message' }).count(), 0);

    await act(a, row(a, 'Lunch at noon?'), 'Edit message');
    await a.getByText('Editing your message').waitFor();
    const box = a.getByRole('textbox', { name: 'Message #lifecycle' });
    assert.equal(await box.inputValue(), 'Lunch at noon?');
    await box.fill('Lunch at 12:30?');
    await box.press('Enter');
    await a.getByText('Editing your message').waitFor({ state: 'detached' });
    await waitForCount(b, 'Lunch at 12:30\\?', 1);
    assert.equal(await countMessages(b, 'Lunch at noon\\?'), 0, 'the old text is gone');
    await row(b, 'Lunch at 12:30?').getByText('(edited)').waitFor();
    // The reactions stay; the reply's preview follows the edit.
    await row(b, 'Lunch at 12:30?').getByRole('button', { name: /^👍 1:/ }).waitFor();
    await row(b, 'Sure, the usual place').getByRole('button', { name: /In reply to alice: Lunch at 12:30\?/ }).waitFor();

    // Up in the empty composer edits the last own message; Escape cancels and keeps the draft.
    await box.fill('');
    await send(a, 'Typo hree');
    await row(a, 'Typo hree').waitFor();
    await box.press('ArrowUp');
    await a.getByText('Editing your message').waitFor();
    assert.equal(await box.inputValue(), 'Typo hree');
    await box.press('Escape');
    await a.getByText('Editing your message').waitFor({ state: 'detached' });
    assert.equal(await box.inputValue(), '', 'cancelling brings back what was there (nothing)');
    await box.press('ArrowUp');
    await box.fill('Typo here');
    await box.press('Enter');
    await waitForCount(b, 'Typo here', 1);
    assert.equal(await countMessages(b, 'Typo hree'), 0);
  });

  it('deletes: alice deletes hers (asked first), moderates bob’s; bob only deletes his own', { timeout: STEP_TIMEOUT }, async () => {
    const { page: a } = people.alice;
    const { page: b } = people.bob;
    // bob cannot delete alice's message; alice (the owner) can delete bob's.
    await row(b, 'Typo here').hover();
    assert.equal(await row(b, 'Typo here').getByRole('button', { name: /Delete/ }).count(), 0);
    await row(a, 'Sure, the usual place').hover();
    await row(a, 'Sure, the usual place').getByRole('button', { name: "Delete bob's message" }).waitFor();

    // Cancelling the question deletes nothing.
    await act(a, row(a, 'Lunch at 12:30?'), 'Delete message');
    const dialog = a.getByRole('dialog', { name: 'Delete your message?' });
    await dialog.waitFor();
    await shot(a, 'room-delete-confirm-desktop');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await countMessages(b, 'Lunch at 12:30\\?'), 1);

    const id = await row(a, 'Lunch at 12:30?').getAttribute('data-message-id');
    await act(a, row(a, 'Lunch at 12:30?'), 'Delete message');
    await a.getByRole('dialog', { name: 'Delete your message?' }).getByRole('button', { name: 'Delete' }).click();
    for (const page of [a, b]) {
      const tomb = rowById(page, id);
      await tomb.getByText('This message was deleted').waitFor();
      assert.equal(await tomb.locator('.reaction').count(), 0, 'a tombstone has no reactions');
      assert.equal(await countMessages(page, 'Lunch at 12:30\\?'), 0);
      // The reply's preview says its parent is gone.
      await row(page, 'Sure, the usual place').getByText('Original message was deleted').waitFor();
    }

    // Moderation: alice deletes bob's reply.
    const replyId = await row(a, 'Sure, the usual place').getAttribute('data-message-id');
    await act(a, row(a, 'Sure, the usual place'), "Delete bob's message");
    await a.getByRole('dialog', { name: "Delete bob's message?" }).getByRole('button', { name: 'Delete' }).click();
    await rowById(b, replyId).getByText('This message was deleted').waitFor();
    // A tombstone has no menu.
    await rowById(b, replyId).hover();
    assert.equal(await rowById(b, replyId).getByRole('toolbar').count(), 0);
    await assertNoDuplicateRows(a);
    await assertNoDuplicateRows(b);
  });

  it('a mention elsewhere shows the @ badge with the server’s count, cleared on opening the room', { timeout: STEP_TIMEOUT }, async () => {
    const { page: b } = people.bob;
    await b.getByRole('link', { name: /^elsewhere,/ }).click();
    await b.getByRole('heading', { name: 'elsewhere' }).waitFor();
    await postAs('alice', rooms.main, 'Ping @bob: are you there?');
    await postAs('alice', rooms.main, 'and another one, no mention');
    const link = b.getByRole('link', { name: /^lifecycle,/ });
    await b.locator(`li.room-row[data-room-id="${rooms.main}"][data-mentions="1"]`).waitFor();
    assert.match(await link.getAttribute('aria-label'), /1 mention/);
    await link.locator('.badge--mention').getByText('@1').waitFor();
    // A second mention, then deleted: the counts follow the server's (deleted messages are not unread).
    const doomed = await postAs('alice', rooms.main, 'Hey @bob, never mind');
    const rowOf = b.locator(`li.room-row[data-room-id="${rooms.main}"]`);
    await b.locator(`li.room-row[data-room-id="${rooms.main}"][data-mentions="2"]`).waitFor();
    const unreadBefore = Number(await rowOf.getAttribute('data-unread'));
    assert.equal((await api(server.baseUrl, 'DELETE', `/api/rooms/${rooms.main}/messages/${doomed.id}`, { token: tokens.alice })).status, 204);
    await b.locator(`li.room-row[data-room-id="${rooms.main}"][data-mentions="1"][data-unread="${unreadBefore - 1}"]`).waitFor();
    const listed = (await api(server.baseUrl, 'GET', '/api/rooms', { token: tokens.bob })).body.find((r) => r.id === rooms.main);
    assert.equal(listed.mention_count, 1, 'the server counts the same');
    await link.click();
    await b.getByRole('heading', { name: 'lifecycle' }).waitFor();
    await row(b, 'Ping @bob: are you there?').waitFor();
    await link.locator('.badge--mention').waitFor({ state: 'detached' });
  });

  it('bob is offline while alice edits, deletes, reacts and replies over REST; he reconnects and sees each change once', { timeout: STEP_TIMEOUT }, async () => {
    const { page: b } = people.bob;
    const bob = people.bob;
    await waitForStatus(b, 'connected');
    const before = await roomMessages(rooms.main, tokens.alice);
    const ping = before.find((m) => m.content === 'Ping @bob: are you there?');
    const another = before.find((m) => m.content === 'and another one, no mention');
    const typo = before.find((m) => m.content === 'Typo here');
    await row(b, 'and another one, no mention').waitFor();

    bobSockets.blocked = true;
    await cutBobSockets();
    await waitForStatus(b, ['reconnecting', 'offline']);
    const sentBefore = bob.sent.length;

    const h = { token: tokens.alice };
    const base = `/api/rooms/${rooms.main}/messages`;
    assert.equal((await api(server.baseUrl, 'PATCH', `${base}/${ping.id}`, { ...h, body: { content: 'Ping @bob: edited while you were away' } })).status, 200);
    assert.equal((await api(server.baseUrl, 'DELETE', `${base}/${another.id}`, h)).status, 204);
    assert.equal((await api(server.baseUrl, 'PUT', `${base}/${typo.id}/reactions/${encodeURIComponent('🔥')}`, h)).status, 200);
    const newReply = await postAs('alice', rooms.main, 'A reply written while bob was away', { reply_to: typo.id });
    const edited = (await api(server.baseUrl, 'PATCH', `${base}/${newReply.id}`, { ...h, body: { content: 'A reply, edited while bob was away' } })).body;
    assert.ok(edited.seq > newReply.seq);
    assert.equal(await countMessages(b, 'Ping @bob: edited while you were away'), 0, 'bob really was cut off');

    bobSockets.blocked = false;
    const reconnect = b.getByRole('button', { name: 'Reconnect now' });
    if (await reconnect.isVisible()) await reconnect.click();
    await waitForStatus(b, 'connected', 45_000);

    await waitForCount(b, 'Ping @bob: edited while you were away', 1);
    await rowById(b, another.id).getByText('This message was deleted').waitFor();
    await rowById(b, typo.id).getByRole('button', { name: /^🔥 1: alice\./ }).waitFor();
    await waitForCount(b, 'A reply, edited while bob was away', 1);
    await row(b, 'A reply, edited while bob was away').getByRole('button', { name: /In reply to alice: Typo here/ }).waitFor();
    await b.waitForTimeout(800);
    assert.equal(await countMessages(b, 'Ping @bob: are you there\\?'), 0, 'no stale copy');
    assert.equal(await countMessages(b, 'and another one, no mention'), 0, 'the deleted text is gone');
    assert.equal(await countMessages(b, 'A reply written while bob was away'), 0, 'only the edited version');
    assert.equal(await rowById(b, typo.id).locator('.reaction').count(), 1, 'one 🔥 chip');
    await row(b, 'Ping @bob: edited while you were away').getByText('(edited)').waitFor();
    const ids = await assertNoDuplicateRows(b);
    assert.deepEqual(ids, [...ids].sort((x, y) => x - y), 'in id order');

    // The reconnect synced `since` the last applied seq, not the whole page.
    const syncs = bob.sent.slice(sentBefore).filter((f) => f.action === 'sync' && f.room_id === rooms.main);
    assert.ok(syncs.length >= 1, 'a sync after the reconnect');
    assert.equal(typeof syncs[0].since, 'number', `the reconnect sync names a seq: ${JSON.stringify(syncs[0])}`);
    assert.ok(syncs[0].since < edited.seq && syncs[0].since >= ping.seq, `since ${syncs[0].since} is the last seq bob had applied`);

    // What bob shows is what the server holds.
    const server9 = await roomMessages(rooms.main, tokens.bob);
    for (const m of server9) {
      const r = rowById(b, m.id);
      if (m.deleted) await r.getByText('This message was deleted').waitFor();
      else assert.equal(await r.locator('.msg-text').count(), 1, `message ${m.id} is on bob's screen`);
    }
  });

  it('a gap in the live seqs (a change bob missed) triggers a since sync', { timeout: STEP_TIMEOUT }, async () => {
    const { page: b } = people.bob;
    const bob = people.bob;
    await waitForStatus(b, 'connected');
    // Drop exactly one server frame on bob's socket: the message_updated of this edit.
    const target = await postAs('alice', rooms.main, 'gap test');
    await row(b, 'gap test').waitFor();
    let dropped = 0;
    const links = [...bobSockets.routes];
    assert.equal(links.length, 1, 'bob has one socket');
    const { ws, upstream } = links[0];
    upstream.onMessage((frame) => {
      if (dropped === 0 && typeof frame === 'string' && frame.includes('"message_updated"') && frame.includes('gap test, edited')) {
        dropped += 1;
        return;
      }
      ws.send(frame);
    });
    const sentBefore = bob.sent.length;
    await api(server.baseUrl, 'PATCH', `/api/rooms/${rooms.main}/messages/${target.id}`, {
      token: tokens.alice,
      body: { content: 'gap test, edited' },
    });
    await b.waitForTimeout(300);
    assert.equal(dropped, 1, 'the edit frame was dropped');
    assert.equal(await countMessages(b, 'gap test, edited'), 0);
    // The next change arrives with a seq one too far: bob notices and syncs since.
    await postAs('alice', rooms.main, 'after the gap');
    await waitForCount(b, 'gap test, edited', 1, 10_000);
    await waitForCount(b, 'after the gap', 1);
    assert.equal(await countMessages(b, 'gap test'), 0);
    const syncs = bob.sent.slice(sentBefore).filter((f) => f.action === 'sync' && typeof f.since === 'number');
    assert.ok(syncs.length >= 1, 'a since sync filled the gap');
    await assertNoDuplicateRows(b);
  });

  it('keyboard only: focus a message, open its menu, react and edit', { timeout: STEP_TIMEOUT }, async () => {
    const { page: a } = people.alice;
    const { page: b } = people.bob;
    await a.goto(`${server.baseUrl}/rooms/${rooms.main}`);
    await waitForStatus(a, 'connected');
    await send(a, 'Keyboard target one');
    await send(a, 'Keyboard target two');
    await row(a, 'Keyboard target two').waitFor();
    const box = a.getByRole('textbox', { name: 'Message #lifecycle' });
    await box.focus();
    // Shift+Tab from the composer lands on the newest message.
    await a.keyboard.press('Shift+Tab');
    const focused = () => a.evaluate(() => document.activeElement?.closest('li.msg')?.querySelector('.msg-text')?.textContent ?? null);
    const focusedLabel = () => a.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.tagName);
    assert.equal(await focused(), 'Keyboard target two');
    assert.equal(await a.evaluate(() => document.activeElement?.tagName), 'LI');
    await a.getByRole('toolbar', { name: 'Actions for your message' }).first().waitFor(); // shown on focus
    await a.keyboard.press('ArrowUp');
    assert.equal(await focused(), 'Keyboard target one');
    await a.keyboard.press('Enter'); // opens the menu: its first action has focus
    assert.equal(await focusedLabel(), 'Add a reaction');
    await a.keyboard.press('Enter'); // the picker, first emoji focused
    assert.equal(await focusedLabel(), 'React with 👍 thumbs up');
    await a.keyboard.press('ArrowRight');
    assert.equal(await focusedLabel(), 'React with ❤️ heart');
    await shot(a, 'room-keyboard-menu-desktop');
    await a.keyboard.press('Enter');
    await row(a, 'Keyboard target one').getByRole('button', { name: /^❤️ 1: You\./ }).waitFor();
    await row(b, 'Keyboard target one').getByRole('button', { name: /^❤️ 1: alice\./ }).waitFor();
    assert.equal(await focusedLabel(), 'Add a reaction', 'focus returns to the React button');
    // Escape in the picker closes it without reacting.
    await a.keyboard.press('Enter');
    await a.getByRole('dialog', { name: 'Add a reaction to your message' }).waitFor();
    await a.keyboard.press('Escape');
    await a.getByRole('dialog', { name: 'Add a reaction to your message' }).waitFor({ state: 'detached' });
    assert.equal(await focusedLabel(), 'Add a reaction');
    // Along the toolbar to Edit.
    await a.keyboard.press('ArrowRight');
    assert.equal(await focusedLabel(), 'Reply');
    await a.keyboard.press('ArrowRight');
    assert.equal(await focusedLabel(), 'Edit message');
    await a.keyboard.press('Enter');
    await a.getByText('Editing your message').waitFor();
    await a.waitForFunction(() => document.activeElement?.tagName === 'TEXTAREA');
    await a.keyboard.press('End');
    await a.keyboard.type(' (fixed by keyboard)');
    await a.keyboard.press('Enter');
    await waitForCount(b, 'Keyboard target one \\(fixed by keyboard\\)', 1);
    await row(b, 'Keyboard target one (fixed by keyboard)').getByRole('button', { name: /^❤️ 1:/ }).waitFor();
    // Escape from the toolbar goes back to the message: Shift+Tab from the composer
    // walks back through the current row's own controls (chip, then its menu) to the row.
    await box.focus();
    for (let i = 0; i < 8 && (await a.evaluate(() => document.activeElement?.tagName)) !== 'LI'; i += 1) {
      await a.keyboard.press('Shift+Tab');
    }
    assert.equal(await focused(), 'Keyboard target one (fixed by keyboard)', 'the row last used is the tab stop');
    assert.equal(await a.evaluate(() => document.activeElement?.tagName), 'LI');
    await a.keyboard.press('Enter');
    assert.equal(await focusedLabel(), 'Add a reaction');
    await a.keyboard.press('Escape');
    assert.equal(await a.evaluate(() => document.activeElement?.tagName), 'LI');
    // Chips of other rows are not Tab stops (one stop for the whole list).
    const tabbableChips = await messageLog(a)
      .locator('.reaction')
      .evaluateAll((els) => els.filter((e) => e.tabIndex >= 0).length);
    assert.equal(tabbableChips, 1, 'only the current row’s chip is in the Tab order');
    assert.deepEqual(await unnamedControls(a), [], 'every control has a name');
  });

  it('jumping to a reply’s parent that is not loaded loads it (around) and the history in between', { timeout: STEP_TIMEOUT }, async () => {
    const { page: a } = people.alice;
    const created = await api(server.baseUrl, 'POST', '/api/rooms', { token: tokens.bob, body: { name: 'long-thread' } });
    const roomId = created.body.id;
    await api(server.baseUrl, 'POST', `/api/rooms/${roomId}/join`, { token: tokens.alice });
    const parent = await postAs('bob', roomId, 'The original question');
    for (let i = 1; i <= 80; i += 1) await postAs('bob', roomId, `filler ${String(i).padStart(2, '0')}`);
    await postAs('bob', roomId, 'Answering the question', { reply_to: parent.id });

    await a.goto(`${server.baseUrl}/rooms/${roomId}`);
    await waitForCount(a, 'Answering the question', 1);
    assert.equal(await countMessages(a, 'The original question'), 0, 'the parent is not loaded at first');
    await row(a, 'Answering the question').getByRole('button', { name: /^In reply to bob: The original question/ }).click();
    const target = row(a, 'The original question');
    await target.and(a.locator('.is-highlighted')).waitFor();
    assert.ok(await target.isVisible(), 'scrolled to it');
    assert.equal(await a.evaluate(() => document.activeElement?.querySelector('.msg-text')?.textContent), 'The original question');
    const texts = await messageLog(a).locator('.msg-text').allTextContents();
    const fillers = texts.filter((t) => t.startsWith('filler '));
    assert.deepEqual(
      fillers,
      Array.from({ length: 80 }, (_, i) => `filler ${String(i + 1).padStart(2, '0')}`),
      'the history between is there, once each, in order',
    );
    await assertNoDuplicateRows(a);
  });

  it('phone (dark): a long press opens the menu; react and reply fit at 390 px', { timeout: STEP_TIMEOUT }, async () => {
    const phone = await newPerson('bob-phone', { viewport: PHONE, touch: true, colorScheme: 'dark' });
    const { page } = phone;
    await page.goto(`${server.baseUrl}/login`);
    await page.getByLabel('Username').fill('bob');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('list', { name: 'Your rooms' }).waitFor();
    await page.goto(`${server.baseUrl}/rooms/${rooms.main}`);
    await waitForStatus(page, 'connected');
    const target = row(page, 'Keyboard target two');
    await target.waitFor();
    await target.scrollIntoViewIfNeeded();
    const toolbar = target.getByRole('toolbar');
    assert.equal(await toolbar.isVisible(), false, 'no menu before the press');
    const box = await target.locator('.msg-bubble').boundingBox();
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    await target.dispatchEvent('pointerdown', { pointerType: 'touch', clientX: x, clientY: y, isPrimary: true, bubbles: true });
    await page.waitForTimeout(700);
    await target.dispatchEvent('pointerup', { pointerType: 'touch', clientX: x, clientY: y, isPrimary: true, bubbles: true });
    await toolbar.waitFor();
    assert.match(await target.getAttribute('class'), /is-active/);
    await shot(page, 'room-actions-phone', { docs: true });
    await toolbar.getByRole('button', { name: 'Add a reaction' }).tap();
    await page.getByRole('button', { name: 'React with 🚀 rocket' }).tap();
    await target.getByRole('button', { name: /^🚀 1: You\./ }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, 'no horizontal scrolling at 390 px');
    const scroller = page.getByRole('region', { name: 'Messages in lifecycle' });
    assert.equal(await scroller.evaluate((el) => el.scrollWidth > el.clientWidth + 1), false, 'the list does not scroll sideways');
    // Reply from the phone.
    await target.dispatchEvent('pointerdown', { pointerType: 'touch', clientX: x, clientY: y, isPrimary: true, bubbles: true });
    await page.waitForTimeout(700);
    await target.dispatchEvent('pointerup', { pointerType: 'touch', clientX: x, clientY: y, isPrimary: true, bubbles: true });
    await target.getByRole('button', { name: 'Reply' }).tap();
    await page.getByText('Replying to').waitFor();
    await page.getByRole('textbox', { name: 'Message #lifecycle' }).fill('From my phone');
    await shot(page, 'room-replying-phone');
    await page.getByRole('textbox', { name: 'Message #lifecycle' }).press('Enter');
    await row(page, 'From my phone').getByRole('button', { name: /In reply to alice: Keyboard target two/ }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false);
    assert.deepEqual(await unnamedControls(page), [], 'every control at phone width has a name');
    await phone.context.close();
  });

  it('too much missed to replay change by change: a fresh newest page instead, each message once', { timeout: STEP_TIMEOUT }, async () => {
    const { page: b } = people.bob;
    const bob = people.bob;
    await b.goto(`${server.baseUrl}/rooms/${rooms.other}`);
    await b.getByRole('heading', { name: 'elsewhere' }).waitFor();
    await waitForStatus(b, 'connected');
    const first = await postAs('alice', rooms.other, 'before the long absence');
    await row(b, 'before the long absence').waitFor();

    bobSockets.blocked = true;
    await cutBobSockets();
    await waitForStatus(b, ['reconnecting', 'offline']);
    const sentBefore = bob.sent.length;
    const TOTAL = 320; // more than three `since` pages of 100
    for (let i = 1; i <= TOTAL; i += 1) await postAs('alice', rooms.other, `while away ${String(i).padStart(3, '0')}`);
    await api(server.baseUrl, 'PATCH', `/api/rooms/${rooms.other}/messages/${first.id}`, {
      token: tokens.alice,
      body: { content: 'before the long absence, edited' },
    });

    bobSockets.blocked = false;
    const reconnect = b.getByRole('button', { name: 'Reconnect now' });
    if (await reconnect.isVisible()) await reconnect.click();
    await waitForStatus(b, 'connected', 45_000);
    await waitForCount(b, `while away ${TOTAL}`, 1);
    await b.waitForTimeout(800);
    const syncs = bob.sent.slice(sentBefore).filter((f) => f.action === 'sync' && f.room_id === rooms.other);
    assert.equal(typeof syncs[0]?.since, 'number', 'it first tried to catch up since its seq');
    const fresh = syncs.findIndex((f) => f.since === undefined && f.after === null);
    assert.ok(fresh > 0, `then asked for a fresh newest page: ${JSON.stringify(syncs)}`);
    assert.ok(syncs.slice(0, fresh).every((f) => typeof f.since === 'number'), 'only since syncs before it');
    // The newest page, every message once and in order, nothing from before the reset left as a hole.
    const ids = await assertNoDuplicateRows(b);
    assert.deepEqual(ids, [...ids].sort((x, y) => x - y));
    const texts = await messageLog(b).locator('.msg-text').allTextContents();
    assert.equal(texts.at(-1), `while away ${TOTAL}`);
    assert.equal(await countMessages(b, 'before the long absence'), 0, 'the stale copy is gone');
    const newest = (await roomMessages(rooms.other, tokens.bob)).map((m) => m.id);
    assert.deepEqual(ids.slice(-newest.length), newest, 'the same newest page as the server');
    // Scrolling up still brings the older history (with the edit) in order.
    const scroller = b.getByRole('region', { name: 'Messages in elsewhere' });
    const deadline = Date.now() + 40_000;
    while ((await countMessages(b, 'before the long absence, edited')) === 0) {
      assert.ok(Date.now() < deadline, 'older pages load while scrolling up');
      await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
      await b.waitForTimeout(200);
    }
    const all = await messageLog(b).locator('.msg-text').allTextContents();
    const away = all.filter((t) => t.startsWith('while away '));
    assert.deepEqual(away, Array.from({ length: TOTAL }, (_, i) => `while away ${String(i + 1).padStart(3, '0')}`));
    await assertNoDuplicateRows(b);
  });
});
