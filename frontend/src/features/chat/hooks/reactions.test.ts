import { describe, expect, it } from 'vitest';
import { QUICK_EMOJI, reactionLabel, reactorNames } from './reactions';

const MEMBERS = [
  { id: 1, username: 'ada' },
  { id: 2, username: 'bob' },
  { id: 3, username: 'carol' },
];

describe('reactions', () => {
  it('names who reacted: you first, then by name; people who left count as others', () => {
    expect(reactorNames({ emoji: '👍', count: 1, user_ids: [2] }, MEMBERS, 1)).toBe('bob');
    expect(reactorNames({ emoji: '👍', count: 3, user_ids: [3, 1, 2] }, MEMBERS, 1)).toBe('You, bob and carol');
    expect(reactorNames({ emoji: '👍', count: 2, user_ids: [2, 99] }, MEMBERS, 1)).toBe('bob and someone else');
  });

  it('the chip says what a click does', () => {
    expect(reactionLabel({ emoji: '🎉', count: 2, user_ids: [1, 2] }, MEMBERS, 1)).toBe('🎉 2: You and bob. Remove your reaction');
    expect(reactionLabel({ emoji: '🎉', count: 1, user_ids: [2] }, MEMBERS, 1)).toBe('🎉 1: bob. Add your reaction');
  });

  it('a short picker set, each emoji once and within the 32-byte limit', () => {
    expect(QUICK_EMOJI.length).toBe(16);
    expect(new Set(QUICK_EMOJI.map((e) => e.emoji)).size).toBe(16);
    for (const { emoji } of QUICK_EMOJI) expect(new TextEncoder().encode(emoji).length).toBeLessThanOrEqual(32);
  });
});
