// @mentions: finding them in text the way the server does (a `@` at the start or
// after a character that cannot be part of a name; names are ASCII letters,
// digits, `_`, `.` and `-`, compared without case; a trailing `.` or `-` is
// punctuation when the name without it is known), and the composer's
// autocomplete (the `@name` being typed at the caret, the members it matches,
// and the text once one is picked).
import type { UserSummary } from '../../../types/api';

export const isNameChar = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z0-9_.-]$/.test(c);

/** A piece of text: plain, or a mention of a known user. */
export type MentionPart = { kind: 'text'; text: string } | { kind: 'mention'; text: string; user: UserSummary };

/** Splits text at the @names of `known` users (by username, any case). */
export function splitMentions(text: string, known: readonly UserSummary[]): MentionPart[] {
  if (known.length === 0 || !text.includes('@')) return [{ kind: 'text', text }];
  const byKey = new Map(known.map((u) => [u.username.toLowerCase(), u]));
  const parts: MentionPart[] = [];
  let plainFrom = 0;
  let i = 0;
  while (i < text.length) {
    const prev = i > 0 ? text[i - 1] : undefined;
    if (text[i] !== '@' || isNameChar(prev) || prev === '@') {
      i += 1;
      continue;
    }
    let end = i + 1;
    while (end < text.length && isNameChar(text[end])) end += 1;
    let name = text.slice(i + 1, end);
    let user = byKey.get(name.toLowerCase());
    if (!user) {
      const trimmed = name.replace(/[.-]+$/, '');
      user = trimmed ? byKey.get(trimmed.toLowerCase()) : undefined;
      if (user) name = trimmed;
    }
    if (!user) {
      i = end;
      continue;
    }
    if (i > plainFrom) parts.push({ kind: 'text', text: text.slice(plainFrom, i) });
    parts.push({ kind: 'mention', text: `@${name}`, user });
    i = i + 1 + name.length;
    plainFrom = i;
  }
  if (plainFrom < text.length) parts.push({ kind: 'text', text: text.slice(plainFrom) });
  return parts;
}

/** The `@name` being typed right before the caret: where its `@` is and what follows it. */
export interface MentionQuery {
  start: number;
  end: number;
  query: string;
}

export function mentionQueryAt(text: string, caret: number): MentionQuery | null {
  let i = caret;
  while (i > 0 && isNameChar(text[i - 1])) i -= 1;
  const at = i - 1;
  if (at < 0 || text[at] !== '@') return null;
  const before = at > 0 ? text[at - 1] : undefined;
  if (isNameChar(before) || before === '@') return null; // an e-mail address, "@@"
  return { start: at, end: caret, query: text.slice(i, caret) };
}

/** Members whose name starts with the query (then those containing it), yourself left out, at most `limit`. */
export function mentionCandidates(
  query: string,
  members: readonly UserSummary[],
  selfId: number,
  limit = 6,
): UserSummary[] {
  const q = query.toLowerCase();
  const others = members.filter((m) => m.id !== selfId);
  const starts = others.filter((m) => m.username.toLowerCase().startsWith(q));
  const contains = others.filter((m) => !m.username.toLowerCase().startsWith(q) && q !== '' && m.username.toLowerCase().includes(q));
  const byName = (a: UserSummary, b: UserSummary) => a.username.localeCompare(b.username);
  return [...starts.sort(byName), ...contains.sort(byName)].slice(0, limit);
}

/** The text with the query replaced by `@username ` and where the caret goes. */
export function applyMention(text: string, q: MentionQuery, user: UserSummary): { text: string; caret: number } {
  const after = text.slice(q.end);
  const insert = `@${user.username}${after.startsWith(' ') ? '' : ' '}`;
  const next = text.slice(0, q.start) + insert + after;
  return { text: next, caret: q.start + insert.length + (after.startsWith(' ') ? 1 : 0) };
}

/** The highlighted option after an arrow key (wrapping). */
export function moveSelection(index: number, count: number, delta: 1 | -1): number {
  if (count === 0) return 0;
  return (index + delta + count) % count;
}
