/**
 * A few spare ArrayBuffers for the threaded ONNX runtime's input copies. Each run moves its inputs' buffers
 * to the inference thread, which hands them back with the reply; reusing them here saves allocating fresh
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
