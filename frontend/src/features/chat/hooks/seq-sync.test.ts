// Issue 9: the per-room change seq, gap detection and the merge of changes.
import { describe, expect, it } from 'vitest';
import type { Message } from '../../../types/api';
import { FRESH_MESSAGE_FIELDS } from '../../../types/api';
import { chatReducer, hasSeqGap, initialChatState, lastEditable, mergeMessages, newestMessage, noteSeq, type ChatState } from './chat-state';

const ME = { id: 1, username: 'ada' };
const BOB = { id: 2, username: 'bob' };

/** Message `id` as of change `seq`. */
function msg(id: number, seq: number, over: Partial<Message> = {}): Message {
  return {
    id,
    room_id: 7,
    sender: BOB,
    content: `message ${id} @${seq}`,
    created_at: new Date(Date.UTC(2026, 11, 1, 10, 0, id)).toISOString(),
    client_id: null,
    ...FRESH_MESSAGE_FIELDS,
    seq,
    ...over,
  };
}

const start = (messages: Message[], extra: { has_more?: boolean; last_seq?: number; roomSeq?: number } = {}) =>
  chatReducer(initialChatState(ME.id), {
    type: 'page/newest',
    page: { messages, has_more: extra.has_more ?? false, last_seq: extra.last_seq },
    roomSeq: extra.roomSeq,
  });
const live = (s: ChatState, m: Message) => chatReducer(s, { type: 'message/live', message: m, advancesSync: true });
const updated = (s: ChatState, m: Message) => chatReducer(s, { type: 'message/updated', message: m });
const byId = (s: ChatState, id: number) => s.messages.find((m) => m.id === id)!;

describe('merging by id: the higher seq wins', () => {
  it('an older copy never replaces a newer one, whichever arrives first', () => {
    const edited = msg(5, 12, { content: 'edited', edited_at: '2026-12-01T10:05:00.000Z' });
    const stale = msg(5, 9, { content: 'original' });
    expect(mergeMessages([edited], [stale])[0]!.content).toBe('edited');
    expect(mergeMessages([stale], [edited])[0]!.content).toBe('edited');
    const same = [edited];
    expect(mergeMessages(same, [stale])).toBe(same); // nothing changed: the same array
  });

  it('a server without seqs: the incoming copy wins, and missing fields are filled', () => {
    const old = { id: 3, room_id: 7, sender: BOB, content: 'a', created_at: '2026-12-01T10:00:00.000Z', client_id: null } as unknown as Message;
    const merged = mergeMessages([], [old]);
    expect(merged[0]).toMatchObject({ seq: null, deleted: false, reply_to: null, reactions: [], mentions: [], edited_at: null });
    expect(mergeMessages(merged, [{ ...old, content: 'b' }])[0]!.content).toBe('b');
  });
});

describe('message_updated merges in place', () => {
  it('an edit, a reaction and a deletion replace the message without moving or duplicating it', () => {
    let s = start([msg(1, 1), msg(2, 2), msg(3, 3)], { last_seq: 3 });
    s = updated(s, msg(2, 4, { content: 'edited', edited_at: '2026-12-01T10:05:00.000Z' }));
    s = updated(s, msg(2, 5, { content: 'edited', reactions: [{ emoji: '👍', count: 1, user_ids: [1] }] }));
    expect(s.messages.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(byId(s, 2)).toMatchObject({ content: 'edited', seq: 5 });
    expect(byId(s, 2).reactions).toHaveLength(1);
    s = updated(s, msg(2, 6, { content: '', deleted: true }));
    expect(byId(s, 2)).toMatchObject({ deleted: true, content: '' });
    // A late copy of the edit (seq 4) does not bring the text back.
    s = updated(s, msg(2, 4, { content: 'edited' }));
    expect(byId(s, 2).deleted).toBe(true);
    expect(s.lastSeq).toBe(6);
    expect(hasSeqGap(s)).toBe(false);
  });

  it('our own delete shows the tombstone at once; the frame after it changes nothing visible', () => {
    let s = start([msg(1, 1, { sender: ME, reactions: [{ emoji: '🎉', count: 1, user_ids: [2] }] })], { last_seq: 1 });
    s = chatReducer(s, { type: 'message/deleted', id: 1 });
    expect(byId(s, 1)).toMatchObject({ deleted: true, content: '', reactions: [], reply_to: null, mentions: [] });
    s = updated(s, msg(1, 2, { sender: ME, content: '', deleted: true }));
    expect(byId(s, 1)).toMatchObject({ deleted: true, seq: 2 });
    expect(s.messages).toHaveLength(1);
  });

  it('ignores changes to messages older than the loaded stretch (they would leave a hole)', () => {
    let s = start([msg(50, 50), msg(51, 51)], { has_more: true, last_seq: 51 });
    s = updated(s, msg(10, 52, { content: 'an old one, edited' }));
    expect(s.messages.map((m) => m.id)).toEqual([50, 51]);
    expect(s.lastSeq).toBe(52); // the change is still accounted for
    // Without older history there is no hole: everything applies.
    let all = start([msg(1, 1), msg(2, 2)], { has_more: false, last_seq: 2 });
    all = updated(all, msg(1, 3, { content: 'edited' }));
    expect(byId(all, 1).content).toBe('edited');
  });

  it('the newest message for the read marker and the last one to edit skip tombstones', () => {
    let s = start([msg(1, 1, { sender: ME }), msg(2, 2), msg(3, 3, { sender: ME })], { last_seq: 3 });
    expect(lastEditable(s)!.id).toBe(3);
    s = updated(s, msg(3, 4, { sender: ME, deleted: true, content: '' }));
    expect(lastEditable(s)!.id).toBe(1);
    expect(newestMessage(s)!.id).toBe(2);
  });
});

describe('seq tracking', () => {
  it('starts from the page: its last_seq, the room last_seq read with it, or its highest seq', () => {
    expect(start([msg(1, 4)], { last_seq: 9 }).lastSeq).toBe(9);
    expect(start([msg(1, 4)], { roomSeq: 7 }).lastSeq).toBe(7);
    expect(start([msg(1, 4), msg(2, 3)]).lastSeq).toBe(4);
    expect(start([], { roomSeq: 0 }).lastSeq).toBe(0);
    // A server without seqs: unknown (syncs go by id, as before).
    const old = chatReducer(initialChatState(ME.id), {
      type: 'page/newest',
      page: { messages: [{ ...msg(1, 1), seq: null }], has_more: false },
    });
    expect(old.lastSeq).toBeNull();
  });

  it('advances one by one with live changes', () => {
    let s = start([msg(1, 1)], { last_seq: 1 });
    s = live(s, msg(2, 2));
    s = updated(s, msg(1, 3, { content: 'edited' }));
    s = live(s, msg(3, 4));
    expect(s.lastSeq).toBe(4);
    expect(hasSeqGap(s)).toBe(false);
  });

  it('a seq one too far is a gap: got 44 while the last applied is 42', () => {
    let s = start([msg(1, 42)], { last_seq: 42 });
    s = live(s, msg(2, 44));
    expect(s.messages.map((m) => m.id)).toEqual([1, 2]); // shown at once
    expect(s.lastSeq).toBe(42);
    expect(s.aheadSeqs).toEqual([44]);
    expect(hasSeqGap(s)).toBe(true);
  });

  it('frames out of order close the gap by themselves', () => {
    let s = start([msg(1, 42)], { last_seq: 42 });
    s = live(s, msg(3, 44));
    s = updated(s, msg(1, 45, { content: 'edited' }));
    expect(s.aheadSeqs).toEqual([44, 45]);
    s = live(s, msg(2, 43));
    expect(s.lastSeq).toBe(45);
    expect(hasSeqGap(s)).toBe(false);
  });

  it('repeated and old seqs change nothing', () => {
    const s = start([msg(1, 5)], { last_seq: 5 });
    expect(noteSeq(s, 5)).toBe(s);
    expect(noteSeq(s, 3)).toBe(s);
    expect(noteSeq(s, null)).toBe(s);
    const gap = noteSeq(s, 8);
    expect(noteSeq(gap, 8)).toBe(gap);
  });

  it('a since page fills the gap and moves lastSeq to the room last_seq when complete', () => {
    let s = start([msg(1, 40), msg(2, 41), msg(3, 42)], { last_seq: 42 });
    s = live(s, msg(5, 46));
    expect(hasSeqGap(s)).toBe(true);
    s = chatReducer(s, {
      type: 'page/since',
      page: {
        messages: [msg(2, 43, { content: 'edited' }), msg(3, 44, { deleted: true, content: '' }), msg(4, 45), msg(5, 46)],
        has_more: false,
        last_seq: 46,
      },
    });
    expect(s.messages.map((m) => m.id)).toEqual([1, 2, 3, 4, 5]);
    expect(byId(s, 2).content).toBe('edited');
    expect(byId(s, 3).deleted).toBe(true);
    expect(s.lastSeq).toBe(46);
    expect(hasSeqGap(s)).toBe(false);
    expect(s.syncedUpTo).toBe(5);
  });

  it('a partial since page (has_more) moves lastSeq only to its own last change', () => {
    let s = start([msg(1, 10)], { last_seq: 10 });
    s = chatReducer(s, { type: 'page/since', page: { messages: [msg(2, 11), msg(1, 13)], has_more: true, last_seq: 400 } });
    expect(s.lastSeq).toBe(13);
    s = chatReducer(s, { type: 'page/since', page: { messages: [msg(3, 14)], has_more: false, last_seq: 400 } });
    expect(s.lastSeq).toBe(400);
  });

  it('each change is shown once across a since page, live frames and a REST answer', () => {
    let s = start([msg(1, 1), msg(2, 2)], { last_seq: 2 });
    const edit = msg(1, 3, { content: 'edited' });
    s = updated(s, edit); // the REST answer to our PATCH
    s = updated(s, edit); // the frame for it
    s = chatReducer(s, { type: 'page/since', page: { messages: [edit, msg(3, 4)], has_more: false, last_seq: 4 } });
    s = live(s, msg(3, 4));
    expect(s.messages.map((m) => [m.id, m.seq])).toEqual([
      [1, 3],
      [2, 2],
      [3, 4],
    ]);
  });

  it('a fresh page (gap too large) replaces everything and starts over from its seqs', () => {
    let s = start([msg(1, 1), msg(2, 2)], { last_seq: 2 });
    s = live(s, msg(3, 900));
    s = chatReducer(s, { type: 'page/reset', page: { messages: [msg(300, 950), msg(301, 951)], has_more: true } });
    expect(s.messages.map((m) => m.id)).toEqual([300, 301]);
    expect(s.lastSeq).toBe(951);
    expect(s.aheadSeqs).toEqual([]);
    expect(s.hasMoreOlder).toBe(true);
  });

  it('a jumped-to window merges in and extends "more older" from it', () => {
    let s = start([msg(100, 100), msg(101, 101)], { has_more: true, last_seq: 101 });
    const window = Array.from({ length: 51 }, (_, i) => msg(49 + i + 1, 49 + i + 1));
    s = chatReducer(s, { type: 'page/window', messages: window, hasMoreOlder: true });
    expect(s.messages[0]!.id).toBe(50);
    expect(s.messages.length).toBe(52);
    expect(s.hasMoreOlder).toBe(true);
    s = chatReducer(s, { type: 'page/window', messages: [msg(1, 1), msg(2, 2)], hasMoreOlder: false });
    expect(s.hasMoreOlder).toBe(false);
  });
});
