import fc from 'fast-check';

/** Byte-level mutations of a real file, shared by every reader's fuzz test and `npm run fuzz:readers`. */
export type Mutation =
  | { kind: 'flip'; edits: { at: number; value: number }[] }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array };

// Headers and tags sit near the start: aim half of the positions at the first 512 bytes.
const position = fc.oneof(fc.nat({ max: 511 }), fc.nat({ max: 1 << 20 }));

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    edits: fc.array(fc.record({ at: position, value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 6 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
);

export function applyMutation(bytes: Uint8Array, m: Mutation): Uint8Array {
  if (m.kind === 'flip') {
    const out = new Uint8Array(bytes);
    for (const e of m.edits) out[e.at % out.length] = e.value;
    return out;
  }
  const at = m.at % bytes.length;
  if (m.kind === 'truncate') return bytes.slice(0, at);
  const out = new Uint8Array(bytes.length + m.bytes.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(m.bytes, at);
  out.set(bytes.subarray(at), at + m.bytes.length);
  return out;
}
