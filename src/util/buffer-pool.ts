/**
 * A few spare ArrayBuffers for copies moved to a thread and handed back (the threaded ONNX runtime's
 * inputs, the preprocessing thread's frames). Reusing them saves allocating fresh
 * memory per call, whose page faults cost more than the copy itself (about 0.4 ms of the calling thread's
 * time per 16-frame batch of 1 MiB, measured with bench/onnx-thread.ts).
 */
export function bufferPool(keep: number) {
  const spare: ArrayBuffer[] = [];
  return {
    /** A buffer of exactly `byteLength` bytes: a spare one when there is one, else a new one. */
    take(byteLength: number): ArrayBuffer {
      const i = spare.findIndex((b) => b.byteLength === byteLength);
      return i >= 0 ? spare.splice(i, 1)[0]! : new ArrayBuffer(byteLength);
    },
    /** Keeps `buffers` for later takes, the most recent `keep` of all given. */
    give(buffers: ArrayBuffer[]): void {
      spare.push(...buffers);
      spare.splice(0, Math.max(0, spare.length - keep));
    },
  };
}
