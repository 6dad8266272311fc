// Client-side ids for optimistic messages: 32 chars of [0-9a-f] (a UUID without
// dashes) or a base36 fallback; both match the contract's [A-Za-z0-9_-]{1,64}.

export const CLIENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function newClientId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID().replace(/-/g, '');
  let id = Date.now().toString(36);
  while (id.length < 24) id += Math.floor(Math.random() * 36 ** 6).toString(36);
  return id.slice(0, 32);
}
