// UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits, so ids
// made on the device sort by time (ARCHITECTURE.md, "Data").
let lastMs = 0;
let seq = 0;

export function uuidv7(now: number = Date.now()): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  // Keep ids made within one millisecond in order: a 12-bit counter in rand_a.
  if (now <= lastMs) {
    now = lastMs;
    seq = (seq + 1) & 0xfff;
    if (seq === 0) now = ++lastMs;
  } else {
    lastMs = now;
    seq = ((b[6]! & 0x0f) << 8) | b[7]!;
    seq &= 0x7ff; // leave room to count up
  }
  const ms = BigInt(now);
  for (let i = 0; i < 6; i++) b[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  b[6] = 0x70 | ((seq >> 8) & 0x0f);
  b[7] = seq & 0xff;
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Names the ids of feedback made for an observation (as the server does). */
const feedbackNamespace = '6f1f6a43-5d0e-4c8e-9a52-0b7e3c1d2f10';

/**
 * The id a new feedback of the observation takes: a name-based UUID
 * (version 5, RFC 9562) of the observation's id, the one the server gives
 * the feedback it makes when it shares an observation on submission.
 */
export async function feedbackIdOf(observationId: string): Promise<string> {
  const ns = Uint8Array.from(feedbackNamespace.replace(/-/g, '').match(/../g)!, (x) => parseInt(x, 16));
  const name = new TextEncoder().encode(observationId.toLowerCase());
  const input = new Uint8Array(ns.length + name.length);
  input.set(ns);
  input.set(name, ns.length);
  const b = new Uint8Array(await crypto.subtle.digest('SHA-1', input)).slice(0, 16);
  b[6] = 0x50 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
