// Pure helpers for message search: results grouped by room (in the order the
// server ranked them, newest first) and the query's words marked in a text as
// plain parts (rendered as text with <mark>; never as HTML).
import type { Id, Message } from '../../../types/api';

export interface ResultGroup {
  roomId: Id;
  messages: Message[];
}

export function groupByRoom(messages: readonly Message[]): ResultGroup[] {
  const groups: ResultGroup[] = [];
  const byRoom = new Map<Id, ResultGroup>();
  for (const m of messages) {
    let g = byRoom.get(m.room_id);
    if (!g) {
      g = { roomId: m.room_id, messages: [] };
      byRoom.set(m.room_id, g);
      groups.push(g);
    }
    if (!g.messages.some((x) => x.id === m.id)) g.messages.push(m);
  }
  return groups;
}

/** The words of a query (what the server matches each of, as a prefix). */
export function queryWords(query: string): string[] {
  return [...new Set(query.toLowerCase().split(/\s+/).filter(Boolean))];
}

export interface TextPart {
  text: string;
  match: boolean;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Splits `text` into parts, marking where a query word starts a word of the text
 * (case-insensitive; the server matches each word as a prefix).
 */
export function highlightParts(text: string, query: string): TextPart[] {
  const words = queryWords(query).sort((a, b) => b.length - a.length);
  if (words.length === 0 || text === '') return text === '' ? [] : [{ text, match: false }];
  const re = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${words.map(escapeRegExp).join('|')})`, 'giu');
  const parts: TextPart[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    const start = m.index ?? 0;
    if (m[0] === '') continue;
    if (start > last) parts.push({ text: text.slice(last, start), match: false });
    parts.push({ text: m[0], match: true });
    last = start + m[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last), match: false });
  return parts;
}

/** A window of a long message around its first match, so the match is visible in a result row. */
export function excerpt(text: string, query: string, max = 160): string {
  if (text.length <= max) return text;
  const lower = text.toLowerCase();
  const first = queryWords(query)
    .map((w) => lower.indexOf(w))
    .filter((i) => i >= 0)
    .sort((a, b) => a - b)[0];
  const start = first === undefined ? 0 : Math.max(0, first - Math.floor(max / 3));
  const end = Math.min(text.length, start + max);
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`;
}
