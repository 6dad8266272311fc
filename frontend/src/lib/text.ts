// Text helpers that follow the contract's counting rules.

/** Length in Unicode scalar values (what docs/api.md counts), not UTF-16 code units. */
export function scalarLength(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

/** Initials for an avatar: "ada_lovelace" → "AL", "bob" → "BO". */
export function initials(name: string): string {
  const parts = name.split(/[._\-\s]+/).filter(Boolean);
  if (parts.length >= 2) return (parts[0]![0]! + parts[1]![0]!).toUpperCase();
  return name.slice(0, 2).toUpperCase();
}

/** A stable hue (0–359) per username, for avatar colours. */
export function hueFor(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i += 1) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return h % 360;
}
