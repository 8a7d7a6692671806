/**
 * Which video container a file is, from its first bytes. Content decides; the file name only breaks a
 * tie where the bytes are ambiguous (an ISO file whose brands are unknown, a QuickTime file starting with
 * a `free` atom, a Matroska header cut before its DocType).
 */

/** The containers this reader accepts (docs/formats.md, "Video"). */
export type VideoContainer = 'avi' | 'mp4' | 'mov' | 'mkv' | 'webm';

/** The ffmpeg demuxer forced for each container, so ffmpeg never guesses another format from the bytes. */
export const DEMUXER: Readonly<Record<VideoContainer, string>> = {
  avi: 'avi',
  mp4: 'mov',
  mov: 'mov',
  mkv: 'matroska',
  webm: 'matroska',
};

/** ISO base media brands of video files (MP4, M4V, 3GP/3G2, QuickTime, Motion JPEG 2000, DASH...). */
const VIDEO_BRANDS = new Set([
  'isom', 'iso2', 'iso3', 'iso4', 'iso5', 'iso6', 'iso7', 'iso8', 'iso9', 'mp41', 'mp42', 'mp71', 'avc1',
  'M4V ', 'M4VH', 'M4VP', '3gp4', '3gp5', '3gp6', '3gp7', '3g2a', '3g2b', '3g2c', '3ge6', '3ge7', '3gg6',
  'dash', 'msnv', 'MSNV', 'f4v ', 'mmp4', 'XAVC', 'NDAS', 'qt  ', 'mjp2',
]);
/** HEIF/AVIF still images and camera raws share the box format: not cines. */
const IMAGE_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1', 'avif', 'avis', 'crx ', 'jpx ']);
/** Top-level atoms an old QuickTime file may start with instead of `ftyp`. */
const STRONG_QT_ATOMS = new Set(['moov', 'mdat', 'wide']);
const WEAK_QT_ATOMS = new Set(['free', 'skip', 'pnot']);

const ISO_EXTENSIONS = ['.mp4', '.m4v', '.mov', '.qt', '.3gp', '.3g2'];

function ascii(head: Uint8Array, at: number, length: number): string {
  if (head.length < at + length) return '';
  return String.fromCharCode(...head.subarray(at, at + length));
}

function u32(head: Uint8Array, at: number): number {
  return ((head[at]! << 24) | (head[at + 1]! << 16) | (head[at + 2]! << 8) | head[at + 3]!) >>> 0;
}

function hasExtension(fileName: string, extensions: readonly string[]): boolean {
  const lower = fileName.toLowerCase();
  return extensions.some((ext) => lower.endsWith(ext));
}

export function sniffContainer(head: Uint8Array, fileName: string): VideoContainer | null {
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'AVI ') return 'avi';
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return matroskaKind(head, fileName);
  const box = ascii(head, 4, 4);
  if (box === 'ftyp') return isoKind(head, fileName);
  // An atom size is 0 (to the end of the file), 1 (a 64-bit size follows) or at least its 8-byte header.
  const atomSize = head.length >= 8 ? u32(head, 0) : 2;
  if (atomSize <= 1 || atomSize >= 8) {
    if (STRONG_QT_ATOMS.has(box)) return 'mov';
    if (WEAK_QT_ATOMS.has(box) && hasExtension(fileName, ISO_EXTENSIONS)) return 'mov';
  }
  return null;
}

/** `ftyp`: major brand at 8, minor version at 12, compatible brands from 16 to the end of the box. */
function isoKind(head: Uint8Array, fileName: string): VideoContainer | null {
  const major = ascii(head, 8, 4);
  if (major === '') return hasExtension(fileName, ISO_EXTENSIONS) ? 'mp4' : null; // cut inside the box
  if (IMAGE_BRANDS.has(major)) return null;
  if (major === 'qt  ') return 'mov';
  if (VIDEO_BRANDS.has(major)) return 'mp4';
  const end = Math.min(head.length, Math.max(16, u32(head, 0)));
  for (let at = 16; at + 4 <= end; at += 4) {
    if (VIDEO_BRANDS.has(ascii(head, at, 4))) return 'mp4';
  }
  return hasExtension(fileName, ISO_EXTENSIONS) ? 'mp4' : null;
}

/** Reads an EBML variable-length integer (1-8 bytes); `keepMarker` for element IDs. */
function vint(head: Uint8Array, at: number, keepMarker: boolean): { value: number; length: number } | null {
  const first = head[at];
  if (first === undefined || first === 0) return null;
  const length = Math.clz32(first) - 23; // 0x80 -> 1, 0x40 -> 2 ...
  if (at + length > head.length) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  for (let i = 1; i < length; i++) value = value * 256 + head[at + i]!;
  return { value, length };
}

const EBML_DOCTYPE = 0x4282;

/** The EBML header's DocType says `matroska` or `webm`; another EBML document type is not a video. */
function matroskaKind(head: Uint8Array, fileName: string): VideoContainer | null {
  const byName: VideoContainer = hasExtension(fileName, ['.webm']) ? 'webm' : 'mkv';
  const size = vint(head, 4, false);
  if (!size) return byName;
  const end = Math.min(head.length, 4 + size.length + size.value);
  let at = 4 + size.length;
  while (at < end) {
    const id = vint(head, at, true);
    const len = id && vint(head, at + id.length, false);
    if (!id || !len) return byName;
    const data = at + id.length + len.length;
    if (id.value === EBML_DOCTYPE) {
      if (data + len.value > head.length) return byName;
      const docType = String.fromCharCode(...head.subarray(data, data + len.value)).replace(/\0+$/, '');
      if (docType === 'webm') return 'webm';
      if (docType === 'matroska') return 'mkv';
      return null;
    }
    at = data + len.value;
  }
  return byName;
}
