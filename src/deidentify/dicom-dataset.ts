import type { DataSet, Element } from 'dicom-parser';
import { standardVr } from '../formats/dicom/dictionary.ts';
import { encodeElements, type OutElement, textValue, toLittleEndian, uidValue } from './encode.ts';
import { isRemovedGroup, PROFILE, resolveAction } from './profile.ts';
import { remapUid } from './uid-remap.ts';

/** Top-level attributes the de-identifier writes itself (file meta, pixel description, de-id markers). */
const REWRITTEN = new Set([
  '00280002', '00280004', '00280006', '00280100', '00280101', '00280102', '00280103', '00280106', '00280107',
  '00281101', '00281102', '00281103', '00281201', '00281202', '00281203', '00281221', '00281222', '00281223',
  '00280303', '00120062', '00120063', '00120064',
]);

export interface CleanContext {
  projectSecret: Buffer;
  littleEndian: boolean;
  /** Counts what was done, for the summary and tests. */
  counts: { removed: number; emptied: number; dummied: number; remapped: number };
}

/**
 * Applies the profile to one data set (recursively into kept sequences). The top level leaves out the
 * file meta group, the pixel data group and the attributes in REWRITTEN, which the caller writes.
 */
export function cleanDataSet(ds: DataSet, ctx: CleanContext, top: boolean): OutElement[] {
  const out: OutElement[] = [];
  for (const key of Object.keys(ds.elements)) {
    const el = ds.elements[key]!;
    const hex = key.slice(1).toLowerCase();
    const tag = Number.parseInt(hex, 16);
    const group = tag >>> 16;
    if ((tag & 0xffff) === 0 || group === 0xfffe) continue; // group lengths, stray delimiters
    if (top && (group === 0x0002 || group === 0x7fe0 || REWRITTEN.has(hex))) continue;
    if (isRemovedGroup(group) || (el.length === 0xffffffff && !el.items)) {
      ctx.counts.removed++;
      continue;
    }
    const vr = el.items ? 'SQ' : (el.vr ?? standardVr(hex) ?? 'UN');
    const action = resolveAction(PROFILE.get(hex), vr);
    if (action === 'remove') {
      ctx.counts.removed++;
      continue;
    }
    if (action === 'empty') {
      ctx.counts.emptied++;
      out.push({ tag, vr, value: vr === 'SQ' ? [] : Buffer.alloc(0) });
      continue;
    }
    if (action === 'uid' || (action === 'dummy' && vr === 'UI')) {
      if (vr !== 'UI') {
        ctx.counts.removed++;
        continue;
      }
      ctx.counts.remapped++;
      const uids = raw(ds, el).toString('latin1').replace(/[\0 ]+$/, '').split('\\');
      out.push({ tag, vr, value: uidValue(uids.map((u) => (u ? remapUid(ctx.projectSecret, u.trim()) : u)).join('\\')) });
      continue;
    }
    if (action === 'dummy') {
      const dummy = DUMMY[vr];
      if (dummy === undefined) ctx.counts.removed++;
      else {
        ctx.counts.dummied++;
        out.push({ tag, vr, value: textValue(dummy) });
      }
      continue;
    }
    if (vr === 'SQ') {
      out.push({ tag, vr, value: (el.items ?? []).map((item) => (item.dataSet ? cleanDataSet(item.dataSet, ctx, false) : [])) });
      continue;
    }
    const bytes = raw(ds, el);
    out.push({ tag, vr, value: ctx.littleEndian ? Buffer.from(bytes) : toLittleEndian(bytes, vr) });
  }
  return out;
}

function raw(ds: DataSet, el: Element): Buffer {
  const a = ds.byteArray;
  return Buffer.from(a.buffer, a.byteOffset + el.dataOffset, Math.min(el.length, a.length - el.dataOffset));
}

/** Dummy values by VR (action D); a VR without one (binary) is removed instead. */
const DUMMY: Readonly<Record<string, string>> = {
  PN: 'ANONYMIZED',
  LO: 'ANONYMIZED',
  SH: 'ANONYMIZED',
  CS: 'ANONYMIZED',
  ST: 'ANONYMIZED',
  LT: 'ANONYMIZED',
  UT: 'ANONYMIZED',
  UC: 'ANONYMIZED',
  AE: 'ANONYMIZED',
  DA: '19000101',
  TM: '000000',
  DT: '19000101000000',
  AS: '000Y',
  DS: '0',
  IS: '0',
};

export { encodeElements };
