import { EchoError } from '../errors/catalogue.ts';

export const SNIFF_BYTES = 512;

/**
 * Passes a byte stream through unchanged, after deciding its format from the first bytes. An unknown
 * format or an empty stream throws before the rest is read, so a refused upload is never stored whole.
 * `onFormat` receives the detected format id.
 */
export async function* sniffStream(
  source: AsyncIterable<Uint8Array>,
  fileName: string,
  detect: (head: Uint8Array, name: string) => string | null,
  describeSupported: () => string,
  onFormat: (format: string) => void,
): AsyncIterable<Uint8Array> {
  const held: Uint8Array[] = [];
  let heldBytes = 0;
  let decided = false;
  const decide = (): void => {
    if (heldBytes === 0) throw new EchoError('UPLOAD_EMPTY', `file ${JSON.stringify(fileName)} is empty (0 bytes); upload a cine file`);
    const head = Buffer.concat(held, heldBytes).subarray(0, SNIFF_BYTES);
    const format = detect(head, fileName);
    if (!format) {
      throw new EchoError('UNSUPPORTED_FORMAT', `file ${JSON.stringify(fileName)} is not a supported cine format (its content was checked, not its extension); supported: ${describeSupported()}`);
    }
    onFormat(format);
    decided = true;
  };
  for await (const chunk of source) {
    if (decided) {
      yield chunk;
      continue;
    }
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes >= SNIFF_BYTES) {
      decide();
      yield* held;
      held.length = 0;
    }
  }
  if (!decided) {
    decide();
    yield* held;
  }
}
