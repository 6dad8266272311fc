// Composer drafts survive a reload: one localStorage entry per user and room,
// written as you type and removed when the message is sent (or emptied).

const PREFIX = 'chat.draft';

export function draftKey(userId: number, roomId: number): string {
  return `${PREFIX}.${userId}.${roomId}`;
}

export function loadDraft(key: string, storage: Storage | null = safeLocalStorage()): string {
  try {
    return storage?.getItem(key) ?? '';
  } catch {
    return '';
  }
}

export function saveDraft(key: string, text: string, storage: Storage | null = safeLocalStorage()): void {
  try {
    if (text.trim() === '') storage?.removeItem(key);
    else storage?.setItem(key, text);
  } catch {
    // Storage full or blocked: the draft just does not survive a reload.
  }
}

export function clearDraft(key: string, storage: Storage | null = safeLocalStorage()): void {
  saveDraft(key, '', storage);
}

function safeLocalStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
