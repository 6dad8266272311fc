// Reactions: the picker's short set of common emoji, and who reacted, in words.
import type { Id, Reaction, UserSummary } from '../../../types/api';

export const QUICK_EMOJI: readonly { emoji: string; name: string }[] = [
  { emoji: '👍', name: 'thumbs up' },
  { emoji: '❤️', name: 'heart' },
  { emoji: '😂', name: 'tears of joy' },
  { emoji: '🎉', name: 'party' },
  { emoji: '😮', name: 'surprised' },
  { emoji: '😢', name: 'sad' },
  { emoji: '🙏', name: 'thanks' },
  { emoji: '👀', name: 'eyes' },
  { emoji: '🔥', name: 'fire' },
  { emoji: '✅', name: 'done' },
  { emoji: '👏', name: 'clapping' },
  { emoji: '🚀', name: 'rocket' },
  { emoji: '🤔', name: 'thinking' },
  { emoji: '😄', name: 'smile' },
  { emoji: '💯', name: 'hundred' },
  { emoji: '👎', name: 'thumbs down' },
];

/** "You, bob and carol": you first, then the others by name; people no longer in the room count as "someone". */
export function reactorNames(reaction: Reaction, members: readonly UserSummary[], selfId: Id): string {
  const byId = new Map(members.map((m) => [m.id, m.username]));
  const names: string[] = [];
  if (reaction.user_ids.includes(selfId)) names.push('You');
  const others = reaction.user_ids
    .filter((id) => id !== selfId)
    .map((id) => byId.get(id))
    .filter((n): n is string => n !== undefined)
    .sort((a, b) => a.localeCompare(b));
  names.push(...others);
  const unknown = reaction.count - names.length;
  if (unknown > 0) names.push(unknown === 1 ? 'someone else' : `${unknown} others`);
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export function hasReacted(reaction: Reaction, selfId: Id): boolean {
  return reaction.user_ids.includes(selfId);
}

/** The chip's accessible name: "👍 2: You and bob. Remove your reaction". */
export function reactionLabel(reaction: Reaction, members: readonly UserSummary[], selfId: Id): string {
  const who = reactorNames(reaction, members, selfId);
  const action = hasReacted(reaction, selfId) ? 'Remove your reaction' : 'Add your reaction';
  return `${reaction.emoji} ${reaction.count}: ${who}. ${action}`;
}
