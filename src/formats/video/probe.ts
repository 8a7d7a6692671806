/**
 * What ffprobe says about a video file: its first video stream's size, frame count, frame rate and pixel
 * format, and how the reader will decode it (grey 8-bit, grey 16-bit or RGB 8-bit).
 */
import { EchoError } from '../../errors/catalogue.ts';
import { oneLine, runProgram } from './programs.ts';
import { DEMUXER, type VideoContainer } from './sniff.ts';

/** The rawvideo pixel format ffmpeg writes to the pipe. */
export type OutputPixFmt = 'gray' | 'gray16le' | 'rgb24';

export interface VideoInfo {
  container: VideoContainer;
  /** ffprobe's `format_name`, e.g. `avi`, `mov,mp4,m4a,3gp,3g2,mj2`. */
  demuxer: string;
  streamIndex: number;
  codec: string;
  pixFmt: string;
  width: number;
  height: number;
  frames: number;
  /** Where `frames` came from: the packets ffprobe counted, or the header's frame count. */
  frameCountSource: 'counted packets' | 'header';
  /** The frame count the header states, when it states one. */
  declaredFrames: number | null;
  fps: number | null;
  durationS: number | null;
  output: OutputPixFmt;
  channels: 1 | 3;
  bitsPerSample: 8 | 16;
}

export interface ProbeOptions {
  ffprobePath: string;
  timeoutMs: number;
}

/** Output above this is not a plausible description of one file (ffprobe is stopped). */
const MAX_PROBE_OUTPUT = 4 * 1024 * 1024;
/** No codec ffmpeg ships decodes frames wider or taller than this. */
const MAX_SIDE = 65535;

/** Arguments shared by ffprobe and ffmpeg: force the demuxer and read only the local file. */
export function inputArgs(container: VideoContainer, path: string): string[] {
  return ['-f', DEMUXER[container], '-protocol_whitelist', 'file', '-i', `file:${path}`];
}

export async function probeVideo(path: string, file: string, container: VideoContainer, options: ProbeOptions): Promise<VideoInfo> {
  const args = [
    '-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', '-count_packets', '-select_streams', 'v',
    ...inputArgs(container, path),
  ];
  const run = await runProgram(options.ffprobePath, args, file, { timeoutMs: options.timeoutMs, maxStdoutBytes: MAX_PROBE_OUTPUT });
  const said = oneLine(run.stderr, path);
  const corrupt = (what: string) =>
    new EchoError('CINE_CORRUPT', `video file "${file}" (${container}) is damaged or truncated: ${what}`, {
      details: { file, container, ffprobe: said },
    });
  let doc: ProbeDoc;
  try {
    doc = JSON.parse(run.stdout) as ProbeDoc;
  } catch {
    throw corrupt(`ffprobe's output is not JSON (exit ${run.exitCode})${said ? `; ffprobe said: ${said}` : ''}`);
  }
  if (run.exitCode !== 0 || !doc.format) throw corrupt(`ffprobe could not read it: ${said || `exit code ${run.exitCode}`}`);
  const allStreams = toInt(doc.format.nb_streams) ?? 0;
  const streams = (doc.streams ?? []).filter((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const stream = streams[0];
  if (!stream) {
    if (allStreams === 0) throw corrupt(`ffprobe found no streams at all${said ? `; ffprobe said: ${said}` : ''}`);
    throw new EchoError(
      'CINE_NO_VARIABLE',
      `video file "${file}" (${container}) has no video stream (${allStreams} other stream(s), e.g. audio or a cover picture); a cine needs one`,
      { details: { file, container } },
    );
  }
  const index = toInt(stream.index) ?? 0;
  const codec = stream.codec_name ?? stream.codec_tag_string ?? 'unknown';
  const width = toInt(stream.width) ?? 0;
  const height = toInt(stream.height) ?? 0;
  const pixFmt = stream.pix_fmt;
  if (!stream.codec_name) {
    throw new EchoError(
      'CINE_UNSUPPORTED',
      `video file "${file}" (${container}): video stream ${index} uses a codec this ffmpeg does not know (tag "${stream.codec_tag_string ?? '?'}")${said ? `; ffprobe said: ${said}` : ''}`,
      { details: { file, container, codec } },
    );
  }
  if (!pixFmt || width <= 0 || height <= 0) {
    throw corrupt(`ffprobe found no picture size or pixel format in video stream ${index} (${codec})${said ? `; ffprobe said: ${said}` : ''}`);
  }
  if (width > MAX_SIDE || height > MAX_SIDE) throw corrupt(`stream ${index} declares ${width}×${height} pixels`);
  const counted = toInt(stream.nb_read_packets);
  const declared = toInt(stream.nb_frames);
  const frames = counted ?? declared ?? 0;
  if (frames <= 0) throw corrupt(`video stream ${index} (${codec}) holds no frames${said ? `; ffprobe said: ${said}` : ''}`);
  const output = outputFormat(pixFmt);
  return {
    container,
    demuxer: doc.format.format_name ?? DEMUXER[container],
    streamIndex: index,
    codec,
    pixFmt,
    width,
    height,
    frames,
    frameCountSource: counted !== null ? 'counted packets' : 'header',
    declaredFrames: declared,
    fps: rate(stream.avg_frame_rate) ?? rate(stream.r_frame_rate),
    durationS: toNumber(stream.duration) ?? toNumber(doc.format.duration),
    output,
    channels: output === 'rgb24' ? 3 : 1,
    bitsPerSample: output === 'gray16le' ? 16 : 8,
  };
}

/**
 * Grey pixel formats stay grey (one channel; deeper than 8 bits as 16-bit samples); everything else
 * (YUV, RGB, palette) is converted to 8-bit RGB by ffmpeg.
 */
export function outputFormat(pixFmt: string): OutputPixFmt {
  if (pixFmt === 'gray' || pixFmt === 'ya8' || pixFmt === 'monow' || pixFmt === 'monob') return 'gray';
  if (/^gray(9|10|12|14|16|f32)(le|be)$/.test(pixFmt) || /^ya16(le|be)$/.test(pixFmt)) return 'gray16le';
  return 'rgb24';
}

/** `30000/1001` -> 29.97...; null for `0/0`, N/A and anything not a positive finite rate. */
export function rate(text: string | undefined): number | null {
  const m = /^(\d+)\/(\d+)$/.exec(text ?? '');
  if (!m) return null;
  const value = Number(m[1]) / Number(m[2]);
  return Number.isFinite(value) && value > 0 && value <= 10000 ? value : null;
}

function toInt(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  return Number.isSafeInteger(n) ? n : null;
}

function toNumber(value: unknown): number | null {
  const n = typeof value === 'string' || typeof value === 'number' ? Number(value) : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? n : null;
}

/** The part of ffprobe's JSON this reader uses. */
interface ProbeDoc {
  streams?: ProbeStream[];
  format?: { nb_streams?: number; format_name?: string; duration?: string };
}

interface ProbeStream {
  index?: number;
  codec_type?: string;
  codec_name?: string;
  codec_tag_string?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  nb_frames?: string;
  nb_read_packets?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
}
