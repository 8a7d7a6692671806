import type { Metadata, OutputData, Reference } from 'h5wasm/node';
import { CLASS_NAMES, isNumericClass, MX } from '../mat-common/classes.ts';
import { corrupt, unsupported } from '../mat-common/errors.ts';
import type { MatNode, MatVariable } from '../mat-common/nodes.ts';
import { elementCount } from '../mat-common/nodes.ts';
import type { H5File } from './h5-file.ts';

/** How a numeric or char dataset's values are stored (what a hyperslab read returns). */
export interface StoredType {
  kind: 'int' | 'uint' | 'float';
  /** Bytes per value: 1, 2, 4 or 8. */
  size: number;
}

/** Where a v7.3 variable's values are: an HDF5 dataset, read by hyperslab on demand. */
export interface H5Data {
  /** The HDF5 path, e.g. `/Patient/DicomImage` or `/#refs#/b`. */
  path: string;
  /** The HDF5 dimensions: MATLAB's dimensions reversed (see matlabDims). */
  shape: number[];
  stored: StoredType;
  /** Chunk dimensions (HDF5 order) of a chunked dataset, null when contiguous. */
  chunks: number[] | null;
}

export type V73Node = MatNode<H5Data>;
export type V73Variable = MatVariable<H5Data>;

/** HDF5 datatype classes (H5T_class_t), as h5wasm reports them in `metadata.type`. */
const H5T = { INTEGER: 0, FLOAT: 1, STRING: 3, COMPOUND: 6, REFERENCE: 7 } as const;

/** Bounds on the work a crafted file can cause while its variables are listed. */
const MAX_DEPTH = 64;
/**
 * MATLAB arrays built (each reference followed counts): each costs about 0.2 ms of HDF5 calls, so a
 * crafted file of many tiny arrays is refused after about 2 s of work.
 */
const MAX_OBJECTS = 10_000;
const MAX_DIMS = 32;

const CLASS_IDS: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(CLASS_NAMES).map(([id, name]) => [name, Number(id)]),
);

/**
 * MATLAB writes arrays column-major and HDF5 describes them row-major, so a MATLAB H×W×F array is an
 * HDF5 dataset of shape F×W×H holding the same bytes in the same order: the MATLAB size is the HDF5 shape
 * reversed. MATLAB never writes fewer than two dimensions; a dataset from another writer with fewer is
 * read as MATLAB would see it (a scalar as 1×1, a vector of n as n×1).
 */
export function matlabDims(shape: readonly number[]): number[] {
  const dims = [...shape].reverse();
  while (dims.length < 2) dims.push(1);
  return dims;
}

/** The facts a variable's header gives without reading its contents. */
interface Facts {
  kind: V73Node['kind'];
  className: string;
  classId: number;
  logical: boolean;
  complex: boolean;
  dims: number[];
  /** Datasets only. */
  meta?: Metadata;
  stored?: StoredType | null;
}

/**
 * The top-level variables of a v7.3 file: every object under the root group except MATLAB's own
 * `#refs#` (targets of cell and struct-array references) and `#subsystem#` (object data). Listing reads
 * only headers and attributes; `load` builds the variable's tree (following references) once.
 */
export function listVariables(h5: H5File): V73Variable[] {
  const ctx = h5.ctx;
  let objects = 0;

  const matlabClass = (attrs: Map<string, OutputData | null>): string | undefined => {
    const v = attrs.get('MATLAB_class');
    const text = typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
    return text === undefined ? undefined : text.replace(/\0+$/, '');
  };
  const numberAttr = (attrs: Map<string, OutputData | null>, name: string): number | undefined => {
    const v = attrs.get(name);
    return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
  };

  const storedType = (meta: Metadata): StoredType | null => {
    if (meta.type === H5T.INTEGER && [1, 2, 4, 8].includes(meta.size)) return { kind: meta.signed ? 'int' : 'uint', size: meta.size };
    if (meta.type === H5T.FLOAT && (meta.size === 4 || meta.size === 8)) return { kind: 'float', size: meta.size };
    return null;
  };
  const isComplex = (meta: Metadata): boolean =>
    meta.type === H5T.COMPOUND &&
    (meta.compound_type?.members.map((m) => m.name).join(',') ?? '') === 'real,imag' &&
    (meta.compound_type?.members.every((m) => m.type === H5T.INTEGER || m.type === H5T.FLOAT) ?? false);

  /** The dimensions an empty array's dataset holds (MATLAB stores them as its data, MATLAB_empty = 1). */
  const emptyDims = (path: string, meta: Metadata): number[] => {
    if (meta.type !== H5T.INTEGER || !(meta.total_size <= MAX_DIMS)) return [0, 0];
    const values = h5.read(path, [], `the size of the empty array ${path}`);
    const dims = ArrayBuffer.isView(values) ? Array.from(values as ArrayLike<number | bigint>, Number) : [];
    return dims.length >= 2 && dims.every((d) => Number.isSafeInteger(d) && d >= 0) ? dims : [0, 0];
  };

  /**
   * A struct's fields, in HDF5's link order (by name for MATLAB's files). MATLAB also lists them in its own
   * order in the MATLAB_fields attribute, but that is a variable-length attribute, which is not read (see
   * H5File.attributes); the order only matters for ties in the cine search and between frame-rate fields.
   */
  const fieldNames = (path: string): string[] => h5.keys(path);

  /** A struct group is a struct array when its fields are reference datasets without a MATLAB_class. */
  const structArrayShape = (path: string, fields: readonly string[]): number[] | null => {
    const first = fields[0];
    if (first === undefined) return null;
    const fieldPath = `${path}/${first}`;
    if (h5.kind(fieldPath) !== 'dataset') return null;
    const meta = h5.metadata(fieldPath);
    if (meta.type !== H5T.REFERENCE || matlabClass(h5.attributes(fieldPath)) !== undefined || meta.shape === null) return null;
    return meta.shape;
  };

  // Facts and reference targets are kept per HDF5 path: MATLAB points many references at one object
  // (every empty cell element at #refs#/a), and a crafted file can point thousands at one.
  const factsCache = new Map<string, Facts>();
  const facts = (path: string): Facts => {
    let f = factsCache.get(path);
    if (f === undefined) {
      f = readFacts(path);
      factsCache.set(path, f);
    }
    return f;
  };

  const readFacts = (path: string): Facts => {
    const kind = h5.kind(path);
    if (kind === 'group') {
      const attrs = h5.attributes(path);
      const cls = matlabClass(attrs);
      const nrows = numberAttr(attrs, 'MATLAB_sparse');
      if (nrows !== undefined) {
        const jc = `${path}/jc`;
        const columns = h5.kind(jc) === 'dataset' ? (h5.metadata(jc).shape?.[0] ?? 1) - 1 : 0;
        return skipped('sparse', MX.SPARSE, [nrows, Math.max(0, columns)]);
      }
      if (cls === undefined || cls === 'struct') {
        const shape = structArrayShape(path, fieldNames(path));
        return { kind: 'struct', className: 'struct', classId: MX.STRUCT, logical: false, complex: false, dims: shape ? matlabDims(shape) : [1, 1] };
      }
      return skipped(cls, cls === 'function_handle' ? MX.FUNCTION : MX.OBJECT, [1, 1]);
    }
    if (kind !== 'dataset') return skipped('HDF5 link or named type', MX.OPAQUE, [1, 1]);

    const meta = h5.metadata(path);
    const attrs = h5.attributes(path);
    const cls = matlabClass(attrs);
    if (meta.shape === null) return { kind: 'empty', className: cls ?? 'double', classId: CLASS_IDS[cls ?? 'double'] ?? MX.DOUBLE, logical: false, complex: false, dims: [0, 0], meta };
    if (meta.shape.length > MAX_DIMS) throw unsupported(ctx, `${path} has ${meta.shape.length} dimensions; at most ${MAX_DIMS} are supported`);
    const dims = matlabDims(meta.shape);
    if (numberAttr(attrs, 'MATLAB_empty')) {
      const classId = cls === 'logical' ? MX.UINT8 : (CLASS_IDS[cls ?? 'double'] ?? MX.DOUBLE);
      return { kind: 'empty', className: cls ?? 'double', classId, logical: cls === 'logical', complex: false, dims: emptyDims(path, meta), meta };
    }
    if ((meta.virtual_sources?.length ?? 0) > 0) return skipped('HDF5 virtual dataset', MX.OPAQUE, dims);
    const stored = storedType(meta);
    const complex = isComplex(meta);
    if (cls === 'cell' || (cls === undefined && meta.type === H5T.REFERENCE)) {
      return { kind: 'cell', className: 'cell', classId: MX.CELL, logical: false, complex: false, dims, meta };
    }
    if (cls === 'char') {
      if (stored === null || stored.kind === 'float') return skipped('char', MX.CHAR, dims);
      return { kind: 'char', className: 'char', classId: MX.CHAR, logical: false, complex: false, dims, meta, stored };
    }
    const className = cls ?? inferredClass(stored, complex);
    const logical = className === 'logical';
    const classId = logical ? MX.UINT8 : (CLASS_IDS[className] ?? MX.OBJECT);
    if (isNumericClass(classId) && (stored !== null || complex)) {
      return { kind: 'numeric', className, classId, logical, complex, dims, meta, stored };
    }
    // A class this reader cannot read values for (an object, or a numeric class stored as, say, strings).
    return skipped(className, isNumericClass(classId) || classId === MX.STRUCT || classId === MX.CELL ? MX.OPAQUE : classId, dims);
  };

  const build = (path: string, name: string, depth: number): V73Node => {
    objects += 1;
    if (objects > MAX_OBJECTS) throw unsupported(ctx, `the file holds more than ${MAX_OBJECTS} MATLAB arrays`);
    if (depth > MAX_DEPTH) throw unsupported(ctx, `${path} is nested more than ${MAX_DEPTH} levels deep (a reference cycle?)`);
    const f = facts(path);
    const base = { name, dims: f.dims, className: f.className };
    switch (f.kind) {
      case 'numeric':
        return { ...base, kind: 'numeric', classId: f.classId, logical: f.logical, complex: f.complex, data: dataOf(path, f) };
      case 'char':
        return { ...base, kind: 'char', data: dataOf(path, f) };
      case 'cell': {
        const targets = references(path, f.meta!, `the cell ${path}`);
        return { ...base, kind: 'cell', elements: targets.map((t) => build(t, '', depth + 1)) };
      }
      case 'struct': {
        const fields = fieldNames(path);
        const shape = structArrayShape(path, fields);
        if (shape === null) {
          const element = new Map<string, V73Node>();
          for (const field of fields) element.set(field, build(`${path}/${field}`, '', depth + 1));
          return { ...base, kind: 'struct', fieldNames: fields, elements: [element] };
        }
        const count = elementCount(shape);
        if (!(count <= MAX_OBJECTS - objects)) {
          throw unsupported(ctx, `the struct array ${path} has ${count} elements; the file would hold more than ${MAX_OBJECTS} MATLAB arrays`);
        }
        const elements = Array.from({ length: count }, () => new Map<string, V73Node>());
        for (const field of fields) {
          const fieldPath = `${path}/${field}`;
          if (h5.kind(fieldPath) !== 'dataset') throw corrupt(ctx, `the struct array ${path}: field ${field} is not a dataset of references`);
          const targets = references(fieldPath, h5.metadata(fieldPath), `the struct array field ${fieldPath}`);
          if (targets.length !== count) {
            throw corrupt(ctx, `the struct array ${path} has ${count} elements but its field ${field} has ${targets.length}`);
          }
          for (const [k, t] of targets.entries()) elements[k]!.set(field, build(t, '', depth + 1));
        }
        return { ...base, kind: 'struct', fieldNames: fields, elements };
      }
      case 'empty':
        return { ...base, kind: 'empty' };
      case 'skipped':
        return { ...base, kind: 'skipped' };
    }
  };

  const refsCache = new Map<string, string[]>();
  /** The targets of a dataset of object references, in MATLAB's (column-major) element order. */
  const references = (path: string, meta: Metadata, what: string): string[] => {
    const known = refsCache.get(path);
    if (known !== undefined) {
      if (!(known.length <= MAX_OBJECTS - objects)) throw unsupported(ctx, `${what}: the file would hold more than ${MAX_OBJECTS} MATLAB arrays`);
      return known;
    }
    const targets = readReferences(path, meta, what);
    refsCache.set(path, targets);
    return targets;
  };
  const readReferences = (path: string, meta: Metadata, what: string): string[] => {
    if (meta.type !== H5T.REFERENCE) throw corrupt(ctx, `${what} does not hold object references`);
    if (!(meta.total_size <= MAX_OBJECTS - objects)) throw unsupported(ctx, `${what} has ${meta.total_size} elements; the file would hold more than ${MAX_OBJECTS} MATLAB arrays`);
    const refs = h5.read(path, [], what);
    if (!Array.isArray(refs)) throw corrupt(ctx, `${what} could not be read as object references`);
    const targets = h5.deref(refs as Reference[], what);
    return targets.map((target, k) => {
      if (target === null) throw corrupt(ctx, `${what}: element ${k + 1} points to no object`);
      return target;
    });
  };

  const dataOf = (path: string, f: Facts): H5Data => {
    const meta = f.meta!;
    // Complex arrays are never read as pixels (the cine search rejects them), so their storage is moot.
    const stored = f.stored ?? { kind: 'float', size: 8 };
    return { path, shape: meta.shape ?? [], stored, chunks: meta.chunks };
  };

  const vars: V73Variable[] = [];
  const names = h5.keys('/');
  if (names.length > MAX_OBJECTS) throw unsupported(ctx, `the file holds ${names.length} top-level objects; at most ${MAX_OBJECTS} are supported`);
  for (const name of names) {
    if (name.startsWith('#')) continue;
    const path = `/${name}`;
    const f = facts(path);
    let loaded: V73Node | null = null;
    vars.push({
      name,
      classId: f.classId,
      className: f.className,
      complex: f.complex,
      logical: f.logical,
      dims: f.dims,
      load: async () => {
        loaded ??= build(path, name, 0);
        return loaded;
      },
    });
  }
  return vars;
}

function skipped(className: string, classId: number, dims: number[]): Facts {
  return { kind: 'skipped', className, classId, logical: false, complex: false, dims };
}

/** The MATLAB class a dataset without a MATLAB_class attribute (another writer's) is read as. */
function inferredClass(stored: StoredType | null, complex: boolean): string {
  if (complex) return 'double';
  if (stored === null) return 'HDF5 data of an unsupported type';
  if (stored.kind === 'float') return stored.size === 4 ? 'single' : 'double';
  return `${stored.kind}${stored.size * 8}`;
}
