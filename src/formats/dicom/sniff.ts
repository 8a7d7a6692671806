/**
 * Recognising DICOM from the first bytes: a Part 10 file has "DICM" at byte 128. Files without the
 * preamble start directly with a data element: a File Meta group (0002) or a group 0008 element, in
 * explicit VR (two upper-case VR letters after the tag) or implicit VR (a 4-byte length) little endian,
 * or explicit VR big endian.
 */
import { EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE } from './transfer-syntaxes.ts';

export type Layout =
  | { kind: 'part10' }
  /** File Meta group at byte 0 (a Part 10 file without preamble). */
  | { kind: 'meta-without-preamble' }
  /** A bare data set: no meta header, the transfer syntax is guessed from the first element. */
  | { kind: 'raw'; transferSyntax: string };

const VRS = new Set(
  'AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);

function vrAt(head: Uint8Array, at: number): boolean {
  if (head.length < at + 2) return false;
  return VRS.has(String.fromCharCode(head[at]!, head[at + 1]!));
}

export function detectLayout(head: Uint8Array): Layout | null {
  if (head.length >= 132 && head[128] === 0x44 && head[129] === 0x49 && head[130] === 0x43 && head[131] === 0x4d) {
    return { kind: 'part10' };
  }
  if (head.length < 8) return null;
  const groupLe = head[0]! | (head[1]! << 8);
  const groupBe = (head[0]! << 8) | head[1]!;
  if (groupLe === 0x0002 && vrAt(head, 4)) return { kind: 'meta-without-preamble' };
  if (groupLe === 0x0008) {
    if (vrAt(head, 4)) return { kind: 'raw', transferSyntax: EXPLICIT_LE };
    // Implicit VR: a 4-byte length; group 0008 values are short strings, so a small even length.
    const length = head[4]! | (head[5]! << 8) | (head[6]! << 16) | (head[7]! * 2 ** 24);
    if (length <= 1024 && length % 2 === 0) return { kind: 'raw', transferSyntax: IMPLICIT_LE };
  }
  if (groupBe === 0x0008 && vrAt(head, 4)) return { kind: 'raw', transferSyntax: EXPLICIT_BE };
  return null;
}

export function looksLikeDicom(head: Uint8Array): boolean {
  return detectLayout(head) !== null;
}
