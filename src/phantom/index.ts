/** Procedural echo phantom: seeded, deterministic B-mode-like cines of the 13 standard views. */
export { PHANTOM_VIEWS, type PhantomView } from './anatomy.ts';
export { generatePhantom, type Phantom, type PhantomOptions } from './generate.ts';
export { type PhantomCineOptions, phantomCine } from './phantom-cine.ts';
