import { describe, expect, it } from 'vitest';
import { FRESH_MESSAGE_FIELDS, type Message } from '../../../types/api';
import { excerpt, groupByRoom, highlightParts, queryWords } from './search';

const msg = (id: number, room_id: number, content = `m${id}`): Message => ({
  ...FRESH_MESSAGE_FIELDS,
  id,
  room_id,
  sender: { id: 1, username: 'alice' },
  content,
  created_at: '2026-11-01T00:00:00Z',
  client_id: null,
});

describe('groupByRoom', () => {
  it('groups by room in the order rooms first appear, keeping the server order inside', () => {
    const groups = groupByRoom([msg(9, 2), msg(8, 1), msg(7, 2), msg(5, 3), msg(4, 1)]);
    expect(groups.map((g) => g.roomId)).toEqual([2, 1, 3]);
    expect(groups[0]!.messages.map((m) => m.id)).toEqual([9, 7]);
    expect(groups[1]!.messages.map((m) => m.id)).toEqual([8, 4]);
  });

  it('shows a message once even when a page repeats it', () => {
    expect(groupByRoom([msg(1, 1), msg(1, 1)])[0]!.messages).toHaveLength(1);
  });

  it('is empty for no results', () => {
    expect(groupByRoom([])).toEqual([]);
  });
});

describe('highlightParts', () => {
  const marked = (text: string, q: string) =>
    highlightParts(text, q)
      .filter((p) => p.match)
      .map((p) => p.text);

  it('marks every word of the query, case-insensitively, keeping the original case', () => {
    expect(marked('Zebra crossing near the zebra', 'zeb CROSS')).toEqual(['Zeb', 'cross', 'zeb']);
  });

  it('marks word starts only (the server matches prefixes)', () => {
    expect(marked('bra zebra brave', 'bra')).toEqual(['bra', 'bra']);
    expect(highlightParts('bra zebra brave', 'bra').map((p) => p.text)).toEqual(['bra', ' zebra ', 'bra', 've']);
  });

  it('joins back to exactly the original text', () => {
    const text = 'a <b>zebra</b> & <script>alert(1)</script>';
    expect(
      highlightParts(text, 'zebra script')
        .map((p) => p.text)
        .join(''),
    ).toBe(text);
  });

  it('keeps HTML in the message as plain text parts (rendered as text nodes, never parsed)', () => {
    const parts = highlightParts('<img src=x onerror=alert(1)> zebra', 'zebra');
    expect(parts).toEqual([
      { text: '<img src=x onerror=alert(1)> ', match: false },
      { text: 'zebra', match: true },
    ]);
  });

  it('treats regex characters in the query as text', () => {
    expect(marked('cost (a+b)* $5', '(a+b)* $5')).toEqual(['(a+b)*', '$5']);
    expect(marked('anything', '.*')).toEqual([]);
  });

  it('prefers the longer of two overlapping words', () => {
    expect(marked('zebras', 'zeb zebras')).toEqual(['zebras']);
  });

  it('handles an empty query or text', () => {
    expect(highlightParts('hello', '   ')).toEqual([{ text: 'hello', match: false }]);
    expect(highlightParts('', 'x')).toEqual([]);
  });
});

describe('queryWords and excerpt', () => {
  it('splits on whitespace, lower-cased, once each', () => {
    expect(queryWords('  Foo bar FOO ')).toEqual(['foo', 'bar']);
  });

  it('cuts long texts around the first match', () => {
    const text = `${'x'.repeat(300)} needle ${'y'.repeat(300)}`;
    const cut = excerpt(text, 'needle', 100);
    expect(cut).toContain('needle');
    expect(cut.startsWith('…')).toBe(true);
    expect(cut.endsWith('…')).toBe(true);
    expect(excerpt('short', 'x')).toBe('short');
  });
});
