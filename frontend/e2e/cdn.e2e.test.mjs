// The SPA served from a CDN origin, talking to the API and WebSocket on another
// origin named by config.json (as on S3 + CloudFront in front of API Gateway),
// under CloudFront's Content-Security-Policy (connect-src names those origins).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, freePort, launchBrowser, startLocalDev, startStaticCdn } from './harness.mjs';

describe('SPA from another origin, configured by config.json', { concurrency: false }, () => {
  let server;
  let cdn;
  let browser;

  before(async () => {
    // The CDN's port must be known before local-dev starts, for its CORS allow-list.
    const cdnPort = await freePort();
    const cdnOrigin = `http://127.0.0.1:${cdnPort}`;
    server = await startLocalDev({ CORS_ALLOWED_ORIGINS: cdnOrigin });
    cdn = await startStaticCdn(
      { apiBaseUrl: server.baseUrl, wsUrl: `${server.baseUrl.replace(/^http/, 'ws')}/ws` },
      cdnPort,
    );
    assert.equal(cdn.origin, cdnOrigin);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await cdn?.stop();
    await server?.stop();
  });

  it('registers, opens a room and chats live across origins', { timeout: 90_000 }, async () => {
    const owner = await api(server.baseUrl, 'POST', '/api/auth/register', {
      body: { username: 'owner', password: 'password-123' },
    });
    assert.equal(owner.status, 201);
    const ownerToken = (
      await api(server.baseUrl, 'POST', '/api/auth/login', { body: { username: 'owner', password: 'password-123' } })
    ).body.access_token;
    const room = await api(server.baseUrl, 'POST', '/api/rooms', { token: ownerToken, body: { name: 'cdn-room' } });
    assert.equal(room.status, 201);

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const apiHosts = new Set();
    page.on('request', (req) => {
      if (new URL(req.url()).pathname.startsWith('/api/')) apiHosts.add(new URL(req.url()).origin);
    });
    const doc = await page.goto(`${cdn.origin}/register`);
    // Served under CloudFront's CSP (the harness fails the test on any violation).
    assert.match(doc.headers()['content-security-policy'] ?? '', new RegExp(`connect-src 'self' ${server.baseUrl}`));
    await page.getByLabel('Username').fill('visitor');
    await page.getByLabel('Password').fill('password-123');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('button', { name: 'Join cdn-room' }).click();
    await page.locator('.conn-label[data-status="connected"]').waitFor();
    assert.deepEqual([...apiHosts], [server.baseUrl], 'every API call went to the configured origin');

    // A message from the owner over REST arrives live on the socket; ours goes back.
    await api(server.baseUrl, 'POST', `/api/rooms/${room.body.id}/messages`, {
      token: ownerToken,
      body: { content: 'hello from the API origin' },
    });
    await page.getByRole('log').getByText('hello from the API origin').waitFor();
    const box = page.getByRole('textbox', { name: 'Message #cdn-room' });
    await box.fill('hello from the CDN origin');
    await box.press('Enter');
    await page.locator('li.msg[data-status="sent"]', { hasText: 'hello from the CDN origin' }).waitFor();
    const history = await api(server.baseUrl, 'GET', `/api/rooms/${room.body.id}/messages`, { token: ownerToken });
    assert.deepEqual(
      history.body.messages.map((m) => m.content),
      ['hello from the API origin', 'hello from the CDN origin'],
    );
    await context.close();
  });
});
