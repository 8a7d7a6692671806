/**
 * Refuses files the server would refuse, before sending them: the content must start like a supported
 * container (the server decides from content too), and a known extension must agree with it.
 */
export type Kind = 'mat' | 'dicom' | 'zip' | 'avi' | 'iso-video' | 'matroska';

const EXTENSIONS: Record<Kind, string[]> = {
  mat: ['.mat'],
  dicom: ['.dcm', '.dicom'],
  zip: ['.zip'],
  avi: ['.avi'],
  'iso-video': ['.mp4', '.m4v', '.mov', '.qt', '.3gp', '.3g2'],
  matroska: ['.mkv', '.webm'],
};
const ALL = Object.values(EXTENSIONS).flat();
export const ACCEPT = ALL.join(',');

function ascii(b: Uint8Array, at: number, n: number): string {
  return b.length < at + n ? '' : String.fromCharCode(...b.subarray(at, at + n));
}

/** The container the first bytes announce, or null. */
export function kindOf(head: Uint8Array): Kind | null {
  if (ascii(head, 0, 6) === 'MATLAB') return 'mat';
  if (ascii(head, 128, 4) === 'DICM') return 'dicom';
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'zip';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'AVI ') return 'avi';
  if (['ftyp', 'moov', 'mdat', 'wide'].includes(ascii(head, 4, 4))) return 'iso-video';
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return 'matroska';
  return null;
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

/** Null when the file may be sent; else the reason it is refused. */
export function refusal(name: string, head: Uint8Array): string | null {
  if (head.length === 0) return 'the file is empty';
  const ext = extensionOf(name);
  const kind = kindOf(head);
  if (kind) {
    if (ext && ALL.includes(ext) && !EXTENSIONS[kind].includes(ext)) return `the name says ${ext} but the content is ${kind.toUpperCase()} (${EXTENSIONS[kind].join(', ')})`;
    return null;
  }
  // A DICOM data set without the 128-byte preamble starts with a group 0x0002 or 0x0008 tag: the server can read it.
  if (EXTENSIONS.dicom.includes(ext) && (head[0] === 0x02 || head[0] === 0x08) && head[1] === 0x00) return null;
  // An old QuickTime file may start with a free, skip or pnot atom: the server takes it when the name says MP4/MOV.
  if (EXTENSIONS['iso-video'].includes(ext) && ['free', 'skip', 'pnot'].includes(ascii(head, 4, 4))) return null;
  if (ext && ALL.includes(ext)) return `the name says ${ext} but the content does not start like one (no ${ext === '.mat' ? '"MATLAB" header' : ext === '.dcm' || ext === '.dicom' ? '"DICM" at byte 128' : 'container signature'})`;
  return `not a supported cine: accepted are MATLAB .mat, DICOM, zip of DICOM, AVI, MP4/MOV, MKV/WebM${ext ? ` (got ${ext})` : ''}`;
}

/** Reads the first 512 bytes of a file and says whether to send it. */
export async function checkFile(file: File): Promise<string | null> {
  const head = new Uint8Array(await file.slice(0, 512).arrayBuffer());
  return refusal(file.name, head);
}
