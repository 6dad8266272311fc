import { describe, expect, it } from 'vitest';
import { clearDraft, draftKey, loadDraft, saveDraft } from './drafts';

function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    getItem: (k) => map.get(k) ?? null,
    key: (i) => [...map.keys()][i] ?? null,
    removeItem: (k) => void map.delete(k),
    setItem: (k, v) => void map.set(k, String(v)),
  };
}

describe('drafts', () => {
  it('keeps one draft per user and room', () => {
    const s = memoryStorage();
    saveDraft(draftKey(1, 7), 'half a thought', s);
    saveDraft(draftKey(1, 8), 'another room', s);
    saveDraft(draftKey(2, 7), 'someone else on this machine', s);
    expect(loadDraft(draftKey(1, 7), s)).toBe('half a thought');
    expect(loadDraft(draftKey(1, 8), s)).toBe('another room');
    expect(loadDraft(draftKey(2, 7), s)).toBe('someone else on this machine');
    expect(loadDraft(draftKey(1, 9), s)).toBe('');
  });

  it('is removed when sent or emptied, and keeps newlines', () => {
    const s = memoryStorage();
    saveDraft(draftKey(1, 7), 'line one\nline two', s);
    expect(loadDraft(draftKey(1, 7), s)).toBe('line one\nline two');
    saveDraft(draftKey(1, 7), '   ', s);
    expect(s.length).toBe(0);
    saveDraft(draftKey(1, 7), 'again', s);
    clearDraft(draftKey(1, 7), s);
    expect(loadDraft(draftKey(1, 7), s)).toBe('');
  });

  it('survives a storage that throws (private mode, quota)', () => {
    const broken = {
      ...memoryStorage(),
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('quota');
      },
    } as Storage;
    expect(() => saveDraft('k', 'text', broken)).not.toThrow();
    expect(loadDraft('k', broken)).toBe('');
  });
});
