import type { Metadata, OutputData, Reference } from 'h5wasm/node';
import { corrupt, type MatFile, unsupported } from '../mat-common/errors.ts';
import type { H5Runtime } from './h5-runtime.ts';

/** What sits at an HDF5 path, as far as this reader cares. */
export type H5Kind = 'group' | 'dataset' | 'other';

/** A `[start, stop)` range per HDF5 dimension; `[]` is the whole dimension. */
export type H5Ranges = ([] | [number, number])[];

/**
 * One open HDF5 file. Every call goes through the runtime's `run`, so any HDF5 failure becomes a coded
 * error naming the file and what was being read. Nothing here reads more than it is asked to: objects
 * are opened by path, attributes are read only when small, datasets through hyperslabs.
 */
export interface H5File {
  readonly ctx: MatFile;
  kind(path: string): H5Kind;
  keys(path: string): string[];
  /**
   * The object's attributes that hold at most MAX_ATTRIBUTE_BYTES and are not variable-length, by name
   * (MATLAB_class, MATLAB_empty, MATLAB_sparse...), read in one go.
   */
  attributes(path: string): Map<string, OutputData | null>;
  metadata(path: string): Metadata;
  /** The filters a chunked dataset's data goes through (e.g. id 1, `deflate`). */
  filters(path: string): { id: number; name: string }[];
  /** The values of a hyperslab (C order of the HDF5 dimensions), or the whole dataset for `[]`. */
  read(path: string, ranges: H5Ranges, what: string): OutputData | null;
  /**
   * The paths object references point to (null where one points nowhere), in one call; references
   * to the same object are resolved once.
   */
  deref(refs: readonly Reference[], what: string): (string | null)[];
  close(): void;
}

/** MATLAB's attributes that are read are class names and flags. */
const MAX_ATTRIBUTE_BYTES = 64 * 1024;
/** Bounds on reference resolution (see refsIndex). */
const MAX_REFS = 100_000;
const MAX_SLOW_LOOKUPS = 64;
/** HDF5's variable-length datatype class (H5T_VLEN). */
const H5T_VLEN = 9;

export function openH5(runtime: H5Runtime, path: string, ctx: MatFile): H5File {
  const { api } = runtime;
  const file = runtime.run(ctx, 'opening it as HDF5', () => new api.File(path, 'r'));
  if (file.file_id < 0n) throw corrupt(ctx, 'opening it as HDF5 failed');
  let open = true;
  let index: Map<string, string | null> | null = null;
  let slowLookups = 0;
  /**
   * Reference (8 bytes) -> path of every object in `#refs#`, where MATLAB keeps the targets of cell and
   * struct-array references. Built once, with one cheap call per object: asking HDF5 the name of each
   * referenced object instead costs a search of the whole file per reference (minutes for 20,000).
   */
  const refsIndex = (): Map<string, string | null> => {
    if (index !== null) return index;
    const built = new Map<string, string | null>();
    runtime.run(ctx, 'indexing the #refs# group', () => {
      if (!(file.get('/#refs#') instanceof api.Group)) return;
      const names = group('/#refs#').keys();
      if (names.length > MAX_REFS) throw unsupported(ctx, `the #refs# group holds ${names.length} objects; at most ${MAX_REFS} are supported`);
      for (const name of names) {
        const path = `/#refs#/${name}`;
        built.set(Array.from(runtime.objectReference(file.file_id, path)).join(','), path);
      }
    });
    index = built;
    return built;
  };
  const live = (): void => {
    if (!open) throw corrupt(ctx, 'the HDF5 file was read after it was closed');
  };
  const group = (p: string) => new api.Group(file.file_id, p);
  const dataset = (p: string) => new api.Dataset(file.file_id, p);

  return {
    ctx,
    kind(p) {
      live();
      return runtime.run(ctx, `reading the object at ${p}`, () => {
        const entity = file.get(p);
        if (entity instanceof api.Group) return 'group';
        if (entity instanceof api.Dataset) return 'dataset';
        return 'other'; // soft links to nothing, external links (never followed), named datatypes
      });
    },
    keys(p) {
      live();
      return runtime.run(ctx, `listing the group ${p}`, () => group(p).keys());
    },
    attributes(p) {
      live();
      return runtime.run(ctx, `reading the attributes of ${p}`, () => {
        const values = new Map<string, OutputData | null>();
        const attrs = group(p).attrs; // attributes are read the same way on groups and datasets
        for (const name of Object.keys(attrs)) {
          const attr = attrs[name]!;
          const { size, total_size: count, vlen, type } = attr.metadata;
          // Variable-length values (MATLAB_fields) are never read: when HDF5 fails half-way through one,
          // h5wasm still decodes the half-filled buffer, whose garbage lengths can cost seconds (and
          // freeing them is unsafe).
          if (vlen || type === H5T_VLEN || !(size * count <= MAX_ATTRIBUTE_BYTES)) continue;
          values.set(name, attr.value);
        }
        return values;
      });
    },
    metadata(p) {
      live();
      return runtime.run(ctx, `reading the header of ${p}`, () => dataset(p).metadata);
    },
    filters(p) {
      live();
      return runtime.run(ctx, `reading the filters of ${p}`, () => dataset(p).filters.map((f) => ({ id: f.id, name: f.name })));
    },
    read(p, ranges, what) {
      live();
      return runtime.run(ctx, what, () => (ranges.length === 0 ? dataset(p).value : dataset(p).slice(ranges)));
    },
    deref(refs, what) {
      live();
      const index = refsIndex();
      return runtime.run(ctx, what, () =>
        refs.map((ref) => {
          const key = ref.ref_data.join(',');
          let path = index.get(key);
          if (path === undefined) {
            // Not one of MATLAB's #refs# objects: ask HDF5, which searches the whole file for a name.
            slowLookups += 1;
            if (slowLookups > MAX_SLOW_LOOKUPS) {
              throw unsupported(ctx, `${what}: more than ${MAX_SLOW_LOOKUPS} references point outside #refs#, where MATLAB keeps their targets`);
            }
            path = runtime.referencedName(file.file_id, ref.ref_data);
            index.set(key, path);
          }
          return path;
        }),
      );
    },
    close() {
      if (!open) return;
      open = false;
      runtime.run(ctx, 'closing it', () => file.close());
    },
  };
}
