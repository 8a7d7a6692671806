import type { Layout } from './layout.ts';
import type { Mapping } from './mapping.ts';
import { dimsText } from './nodes.ts';

/**
 * What both MAT readers (v5 and v7.3) report the same way: the cine's shape, and the MATLAB side of its
 * metadata (each reader adds its own storage details).
 */
export function matCineFields(args: {
  layout: Layout;
  mapping: Mapping;
  fps: { fps: number; source: string } | null;
  path: string;
  node: { logical: boolean; className: string; dims: readonly number[] };
  matHeader: string;
}) {
  const { layout, mapping, fps, path, node } = args;
  return {
    shape: { frames: layout.frames, height: layout.height, width: layout.width, channels: layout.channels, bitsPerSample: mapping.bits, fps: fps?.fps ?? null },
    metadata: {
      variable: path,
      matClass: node.logical ? 'logical' : node.className,
      dims: dimsText(node.dims),
      layout: layout.name,
      mapping: mapping.rule,
      matHeader: args.matHeader,
      fpsSource: fps?.source ?? null,
    },
  };
}
