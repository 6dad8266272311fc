// The notification sound: a short two-note chime made with WebAudio (no asset
// to download). Browsers only start audio after a user gesture, so the opt-in
// click calls unlockChime().

type AudioContextCtor = new () => AudioContext;

let context: AudioContext | null = null;

function audio(): AudioContext | null {
  if (typeof window === 'undefined') return null;
  const Ctor: AudioContextCtor | undefined =
    window.AudioContext ?? (window as unknown as { webkitAudioContext?: AudioContextCtor }).webkitAudioContext;
  if (!Ctor) return null;
  try {
    context ??= new Ctor();
  } catch {
    return null;
  }
  return context;
}

export function unlockChime(): void {
  const a = audio();
  if (a && a.state === 'suspended') a.resume().catch(() => {});
}

/** Plays the chime (≈ 0.35 s); false when the browser has no WebAudio. */
export function playChime(): boolean {
  const a = audio();
  if (!a) return false;
  if (a.state === 'suspended') a.resume().catch(() => {});
  const t0 = a.currentTime + 0.02;
  const notes: [frequency: number, offset: number][] = [
    [880, 0], // A5
    [1318.5, 0.1], // E6
  ];
  for (const [frequency, offset] of notes) {
    const start = t0 + offset;
    const osc = a.createOscillator();
    const gain = a.createGain();
    osc.type = 'sine';
    osc.frequency.setValueAtTime(frequency, start);
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.16, start + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.25);
    osc.connect(gain).connect(a.destination);
    osc.start(start);
    osc.stop(start + 0.26);
  }
  return true;
}
