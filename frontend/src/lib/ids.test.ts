import { describe, expect, it } from 'vitest';
import { CLIENT_ID_PATTERN, newClientId } from './ids';
import { scalarLength } from './text';

describe('newClientId', () => {
  it('matches the contract pattern and does not repeat', () => {
    const ids = new Set(Array.from({ length: 500 }, () => newClientId()));
    expect(ids.size).toBe(500);
    for (const id of ids) expect(id).toMatch(CLIENT_ID_PATTERN);
  });
});

describe('scalarLength', () => {
  it('counts Unicode scalar values like the API, not UTF-16 units', () => {
    expect(scalarLength('abc')).toBe(3);
    expect(scalarLength('😀😀')).toBe(2);
    expect('😀😀'.length).toBe(4);
  });
});
