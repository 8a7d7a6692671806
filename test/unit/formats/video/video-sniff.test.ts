/** Container detection from the first bytes; the file name only breaks ties. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { videoReader } from '../../../../src/formats/video/reader.ts';
import { sniffContainer } from '../../../../src/formats/video/sniff.ts';
import { EXPECTED, fixture } from './helpers.ts';

function head(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fixture(name))).subarray(0, 512);
}

function bytes(...parts: (string | number[])[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) out.push(...(typeof p === 'string' ? [...p].map((ch) => ch.charCodeAt(0)) : p));
  return new Uint8Array(out);
}

/** An ISO `ftyp` box with the given brands, then an empty `mdat`. */
function ftyp(major: string, ...compatible: string[]): Uint8Array {
  const size = 16 + 4 * compatible.length;
  return bytes([0, 0, 0, size], 'ftyp', major, [0, 0, 2, 0], ...compatible, [0, 0, 0, 8], 'mdat');
}

test('every fixture is recognised from its first 512 bytes, with the right container', () => {
  const want: Record<string, string> = {
    'mjpeg.avi': 'avi',
    'rgb_ffv1.avi': 'avi',
    'h264_with_audio.mp4': 'mp4',
    'vp9.webm': 'webm',
    'grey_ffv1.mkv': 'mkv',
    'grey16_ffv1.mkv': 'mkv',
    'audio_only.mkv': 'mkv',
  };
  for (const name of [...EXPECTED.cases.map((c) => c.file), ...EXPECTED.errors.map((e) => e.file)]) {
    assert.equal(sniffContainer(head(name), name), want[name], name);
    // Content wins: a misleading name changes nothing.
    assert.equal(sniffContainer(head(name), 'clip.mat'), want[name], `${name} named clip.mat`);
    assert.equal(videoReader.sniff(head(name), 'upload.bin'), true, name);
  }
});

test('ISO brands: MP4/M4V/3GP and QuickTime are claimed; HEIF/AVIF images and unknown brands are not', () => {
  assert.equal(sniffContainer(ftyp('isom', 'isom', 'iso2', 'avc1', 'mp41'), 'a'), 'mp4');
  assert.equal(sniffContainer(ftyp('M4V ', 'M4V ', 'M4A '), 'a'), 'mp4');
  assert.equal(sniffContainer(ftyp('3gp5', '3gp5', 'isom'), 'a'), 'mp4');
  assert.equal(sniffContainer(ftyp('qt  ', 'qt  '), 'a'), 'mov');
  // An unknown major brand with a known compatible brand is still an MP4.
  assert.equal(sniffContainer(ftyp('abcd', 'isom'), 'a'), 'mp4');
  assert.equal(sniffContainer(ftyp('heic', 'mif1', 'heic'), 'photo.heic'), null);
  assert.equal(sniffContainer(ftyp('avif', 'avif', 'mif1', 'miaf'), 'x.avif'), null);
  assert.equal(sniffContainer(ftyp('heic', 'isom'), 'x.mp4'), null); // an image brand wins over the name
  // Unknown brands only: the extension breaks the tie.
  assert.equal(sniffContainer(ftyp('abcd', 'wxyz'), 'x.bin'), null);
  assert.equal(sniffContainer(ftyp('abcd', 'wxyz'), 'x.MP4'), 'mp4');
});

test('old QuickTime files without ftyp: moov/mdat/wide are claimed, free/skip only with a video extension', () => {
  assert.equal(sniffContainer(bytes([0, 0, 0, 8], 'wide', [0, 0, 0, 8], 'mdat'), 'a'), 'mov');
  assert.equal(sniffContainer(bytes([0, 0, 1, 0], 'moov'), 'a'), 'mov');
  assert.equal(sniffContainer(bytes([0, 0, 0, 8], 'free', [0, 0, 0, 8], 'mdat'), 'old.mov'), 'mov');
  assert.equal(sniffContainer(bytes([0, 0, 0, 8], 'free', [0, 0, 0, 8], 'mdat'), 'old.dat'), null);
  assert.equal(sniffContainer(bytes([0, 0, 0, 5], 'moov'), 'a.mov'), null); // an impossible atom size
});

test('RIFF: only AVI, not WAVE or WebP; EBML: only the matroska and webm document types', () => {
  assert.equal(sniffContainer(bytes('RIFF', [0, 1, 0, 0], 'AVI LIST'), 'a'), 'avi');
  assert.equal(sniffContainer(bytes('RIFF', [0, 1, 0, 0], 'WAVEfmt '), 'a.avi'), null);
  assert.equal(sniffContainer(bytes('RIFF', [0, 1, 0, 0], 'WEBPVP8 '), 'a.avi'), null);
  const ebml = (docType: string) =>
    bytes([0x1a, 0x45, 0xdf, 0xa3, 0x80 | (4 + 3 + docType.length)], [0x42, 0x86, 0x81, 0x01], [0x42, 0x82, 0x80 | docType.length], docType);
  assert.equal(sniffContainer(ebml('webm'), 'a.mkv'), 'webm');
  assert.equal(sniffContainer(ebml('matroska'), 'a.webm'), 'mkv');
  assert.equal(sniffContainer(ebml('notvideo'), 'a.mkv'), null);
  // Cut before the DocType: the name decides between Matroska and WebM.
  assert.equal(sniffContainer(bytes([0x1a, 0x45, 0xdf, 0xa3]), 'a.webm'), 'webm');
  assert.equal(sniffContainer(bytes([0x1a, 0x45, 0xdf, 0xa3]), 'a.mkv'), 'mkv');
});

test('files of other formats and short or empty heads are not claimed', () => {
  const matDir = fileURLToPath(new URL('../../../fixtures/mat/', import.meta.url));
  for (const name of readdirSync(matDir).filter((n) => n.endsWith('.mat'))) {
    const h = new Uint8Array(readFileSync(join(matDir, name))).subarray(0, 512);
    assert.equal(videoReader.sniff(h, name.replace('.mat', '.avi')), false, name);
  }
  assert.equal(sniffContainer(new Uint8Array(0), 'a.avi'), null);
  assert.equal(sniffContainer(bytes('RIFF'), 'a.avi'), null);
  assert.equal(sniffContainer(bytes('\x89PNG\r\n\x1a\n'), 'a.mp4'), null);
  const dicom = new Uint8Array(132);
  dicom.set(bytes('DICM'), 128);
  assert.equal(sniffContainer(dicom, 'a.mp4'), null);
});
