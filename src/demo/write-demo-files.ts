import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeDicomCine } from '../formats/dicom-writer/write-dicom.ts';
import { writePatientMat } from '../formats/mat-v5/write-mat.ts';
import { generatePhantom, type PhantomView } from '../phantom/index.ts';

export interface DemoFile {
  path: string;
  view: PhantomView;
  format: 'mat' | 'dicom' | 'avi';
}

const VIEWS: PhantomView[] = ['AP4', 'PLAX', 'PSAXM', 'AP2', 'SUBC4'];

/**
 * Writes a handful of phantom cines (synthetic, not patient data) as MAT v5, DICOM and MJPEG AVI, so a
 * newcomer has something to upload. AVI needs the `ffmpeg` program; without it the AVI files are skipped
 * and `skipped` says why.
 */
export async function writeDemoFiles(dir: string, options: { ffmpeg?: string; seed?: number } = {}): Promise<{ files: DemoFile[]; skipped: string[] }> {
  await mkdir(dir, { recursive: true });
  const files: DemoFile[] = [];
  const skipped: string[] = [];
  let ffmpegMissing = false;
  for (const [i, view] of VIEWS.entries()) {
    const p = generatePhantom({ view, quality: 0.85, seed: (options.seed ?? 7_000_000) + i, frames: 40, height: 300, width: 400, fps: 30 });
    const base = join(dir, `demo-${view.toLowerCase()}`);
    await writeFile(`${base}.mat`, writePatientMat(p.frames, p.height, p.width, { View: view }));
    files.push({ path: `${base}.mat`, view, format: 'mat' });
    await writeFile(`${base}.dcm`, writeDicomCine({ frames: p.frames, height: p.height, width: p.width, fps: p.fps, region: { ...p.sector, mmPerPixel: 0.4 }, seriesDescription: `phantom ${view}` }));
    files.push({ path: `${base}.dcm`, view, format: 'dicom' });
    if (!ffmpegMissing) {
      try {
        await encodeAvi(options.ffmpeg ?? 'ffmpeg', p.frames, p.width, p.height, p.fps, `${base}.avi`);
        files.push({ path: `${base}.avi`, view, format: 'avi' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        ffmpegMissing = true;
        skipped.push('AVI files: the program ffmpeg was not found (install the Debian package ffmpeg)');
      }
    }
  }
  return { files, skipped };
}

function encodeAvi(ffmpeg: string, frames: readonly Uint8Array[], width: number, height: number, fps: number, out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'gray', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0', '-c:v', 'mjpeg', '-q:v', '2', '-y', out];
    const child = spawn(ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-2000);
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited with ${code}: ${stderr.trim()}`))));
    child.stdin.on('error', () => {});
    for (const f of frames) child.stdin.write(f);
    child.stdin.end();
  });
}
