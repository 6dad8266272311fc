import { describe, expect, it } from 'vitest';
import { applyMention, mentionCandidates, mentionQueryAt, moveSelection, splitMentions } from './mentions';

const ADA = { id: 1, username: 'ada' };
const BOB = { id: 2, username: 'bob' };
const BOBBY = { id: 3, username: 'Bobby_T' };
const CAROL = { id: 4, username: 'carol.d' };
const MEMBERS = [ADA, BOB, BOBBY, CAROL];

describe('mentionQueryAt: the @name being typed at the caret', () => {
  it('finds an @ at the start or after a space, with what follows up to the caret', () => {
    expect(mentionQueryAt('@', 1)).toEqual({ start: 0, end: 1, query: '' });
    expect(mentionQueryAt('hi @bo', 6)).toEqual({ start: 3, end: 6, query: 'bo' });
    expect(mentionQueryAt('(@car', 5)).toEqual({ start: 1, end: 5, query: 'car' });
    expect(mentionQueryAt('hi @bob and', 7)).toEqual({ start: 3, end: 7, query: 'bob' }); // caret right after the name
  });

  it('not in an e-mail address, after a second @, or once a space follows', () => {
    expect(mentionQueryAt('me@example', 10)).toBeNull();
    expect(mentionQueryAt('@@bo', 4)).toBeNull();
    expect(mentionQueryAt('hi @bob ', 8)).toBeNull();
    expect(mentionQueryAt('no at here', 5)).toBeNull();
  });
});

describe('mentionCandidates', () => {
  it('members whose name starts with the query (any case), then those containing it; never yourself', () => {
    expect(mentionCandidates('bo', MEMBERS, ADA.id).map((u) => u.username)).toEqual(['bob', 'Bobby_T']);
    expect(mentionCandidates('BO', MEMBERS, ADA.id).map((u) => u.username)).toEqual(['bob', 'Bobby_T']);
    expect(mentionCandidates('', MEMBERS, ADA.id).map((u) => u.username)).toEqual(['bob', 'Bobby_T', 'carol.d']);
    expect(mentionCandidates('d', MEMBERS, BOB.id).map((u) => u.username)).toEqual(['ada', 'carol.d']);
    expect(mentionCandidates('a', MEMBERS, ADA.id).map((u) => u.username)).toEqual(['carol.d']);
    expect(mentionCandidates('zz', MEMBERS, ADA.id)).toEqual([]);
    expect(mentionCandidates('', MEMBERS, ADA.id, 2)).toHaveLength(2);
  });
});

describe('applyMention and keyboard selection', () => {
  it('replaces the query with @username and a space, caret after it', () => {
    const text = 'hi @bo';
    const q = mentionQueryAt(text, 6)!;
    expect(applyMention(text, q, BOB)).toEqual({ text: 'hi @bob ', caret: 8 });
  });

  it('in the middle of text it keeps what follows (one space between)', () => {
    const text = 'hi @b how are you';
    const q = mentionQueryAt(text, 5)!;
    expect(applyMention(text, q, BOBBY)).toEqual({ text: 'hi @Bobby_T how are you', caret: 12 });
  });

  it('arrows wrap around the list', () => {
    expect(moveSelection(0, 3, 1)).toBe(1);
    expect(moveSelection(2, 3, 1)).toBe(0);
    expect(moveSelection(0, 3, -1)).toBe(2);
    expect(moveSelection(0, 0, 1)).toBe(0);
  });
});

describe('splitMentions (as the server finds them)', () => {
  const parts = (text: string, known = MEMBERS) =>
    splitMentions(text, known).map((p) => (p.kind === 'mention' ? `[${p.text}]` : p.text)).join('');

  it('marks @names of known users, any case, at a word start', () => {
    expect(parts('hi @Bob and @carol.d!')).toBe('hi [@Bob] and [@carol.d]!');
    expect(parts('mail me@example.com')).toBe('mail me@example.com');
    expect(parts('@@bob @unknown')).toBe('@@bob @unknown');
    expect(parts('(@ada)')).toBe('([@ada])');
  });

  it('a trailing . or - is punctuation when the name without it is known', () => {
    expect(parts('thanks @bob.')).toBe('thanks [@bob].');
    expect(parts('see @carol.d.')).toBe('see [@carol.d].');
    expect(parts('@bob-')).toBe('[@bob]-');
  });

  it('nothing known: the text as one piece', () => {
    expect(splitMentions('hi @bob', [])).toEqual([{ kind: 'text', text: 'hi @bob' }]);
  });
});
