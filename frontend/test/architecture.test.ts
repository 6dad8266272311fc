// Guards the layering rule of STYLE.md §10: imports flow lib → features → app,
// no feature imports another, only lib/api-client.ts and lib/ws-client.ts
// touch fetch / WebSocket, and the tab's one user connection is built once.
// Also what the Content-Security-Policy and the ticketed WebSocket rely on.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

const sources = files(src).map((path) => {
  const rel = relative(src, path).split('\\').join('/');
  const text = readFileSync(path, 'utf8');
  const imports = [...text.matchAll(/from\s+'([^']+)'/g)]
    .map((m) => m[1]!)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => relative(src, resolve(dirname(path), spec)).split('\\').join('/'));
  return { rel, text, imports };
});

const layer = (rel: string) => rel.split('/')[0]!;
const feature = (rel: string) => (rel.startsWith('features/') ? rel.split('/')[1]! : null);

describe('architecture', () => {
  it('has the src/{app,features/{auth,rooms,chat}/{api,components,hooks},lib,config,types} layout', () => {
    for (const dir of ['app', 'lib', 'config', 'types']) expect(statSync(join(src, dir)).isDirectory()).toBe(true);
    for (const f of ['auth', 'rooms', 'chat'])
      for (const sub of ['api', 'components', 'hooks']) expect(statSync(join(src, 'features', f, sub)).isDirectory()).toBe(true);
  });

  it('lib, config and types never import features or app', () => {
    const offenders = sources
      .filter((s) => ['lib', 'config', 'types'].includes(layer(s.rel)))
      .flatMap((s) => s.imports.filter((i) => ['features', 'app'].includes(layer(i))).map((i) => `${s.rel} → ${i}`));
    expect(offenders).toEqual([]);
  });

  it('features never import app or another feature', () => {
    const offenders = sources
      .filter((s) => layer(s.rel) === 'features')
      .flatMap((s) =>
        s.imports
          .filter((i) => layer(i) === 'app' || (layer(i) === 'features' && feature(i) !== feature(s.rel)))
          .map((i) => `${s.rel} → ${i}`),
      );
    expect(offenders).toEqual([]);
  });

  it('only lib/api-client.ts calls fetch and only lib/ws-client.ts opens a WebSocket', () => {
    const fetchers = sources.filter((s) => /\bfetch\(/.test(s.text)).map((s) => s.rel);
    const sockets = sources.filter((s) => /new WebSocket\(/.test(s.text)).map((s) => s.rel);
    expect(fetchers).toEqual(['lib/api-client.ts']);
    expect(sockets).toEqual(['lib/ws-client.ts']);
  });

  it('one connection per tab: only lib/realtime.ts builds a WsClient, and socket URLs never name a room', () => {
    const builders = sources.filter((s) => /new WsClient\(/.test(s.text)).map((s) => s.rel);
    const hubs = sources.filter((s) => /new RealtimeHub\(/.test(s.text)).map((s) => s.rel);
    expect(builders).toEqual(['lib/realtime.ts']);
    expect(hubs).toEqual(['app/AppShell.tsx']);
    const roomSockets = sources.filter((s) => /searchParams\.set\('room_id'/.test(s.text)).map((s) => s.rel);
    expect(roomSockets).toEqual([]);
  });

  it('socket URLs come from lib/ws-ticket.ts only (a fresh ticket each; the token only on a 404)', () => {
    const builders = sources.filter((s) => /\buserSocketUrl\(/.test(s.text)).map((s) => s.rel);
    expect(builders.filter((rel) => rel !== 'config/runtime-config.ts')).toEqual(['lib/ws-ticket.ts']);
    const tokenInUrl = sources.filter((s) => /searchParams\.set\('token'/.test(s.text)).map((s) => s.rel);
    expect(tokenInUrl).toEqual(['config/runtime-config.ts']);
  });

  it('index.html has no inline script or style, so the strict CSP (script-src/style-src \'self\') holds', () => {
    const html = readFileSync(resolve(src, '../index.html'), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/<style\b|\sstyle\s*=|\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
  });

  it('no eval, no string timers, no injected <style>, no style attributes set as text', () => {
    const offenders = sources
      .filter((s) =>
        /\beval\(|new Function\(|set(Timeout|Interval)\(\s*['"`]|createElement\(\s*['"]style|setAttribute\(\s*['"]style|\.cssText\s*=/.test(
          s.text,
        ),
      )
      .map((s) => s.rel);
    expect(offenders).toEqual([]);
  });

  it('never renders raw HTML', () => {
    const offenders = sources.filter((s) => /dangerouslySetInnerHTML|innerHTML\s*=/.test(s.text)).map((s) => s.rel);
    expect(offenders).toEqual([]);
  });
});
