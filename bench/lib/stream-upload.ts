import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request } from 'node:http';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';

/**
 * POSTs a file to /v1/clips as multipart/form-data by streaming it from disk through node:http, so the
 * benchmark's own client costs as little CPU as possible (FormData + fetch copies every byte several
 * times, and on a 2-core machine the harness would otherwise steal time from the server it measures).
 */
export async function streamUpload(baseUrl: string, token: string, file: string): Promise<{ id: string; status: string }> {
  const boundary = `----echobench${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${basename(file)}"\r\ncontent-type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const size = (await stat(file)).size;
  const url = new URL('/v1/clips', baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': head.length + size + tail.length,
        },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString();
          if (res.statusCode !== 202) reject(new Error(`upload ${file}: ${res.statusCode} ${text}`));
          else resolve(JSON.parse(text) as { id: string; status: string });
        });
      },
    );
    req.on('error', reject);
    req.write(head);
    pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), req, { end: false })
      .then(() => req.end(tail))
      .catch(reject);
  });
}
