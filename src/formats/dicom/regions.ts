/**
 * Sequence of Ultrasound Regions (0018,6011): each item's location (RegionLocationMinX0/MinY0/MaxX1/
 * MaxY1, UL), spatial format and data type (US), physical units (US) and deltas (FD). Binary values are
 * read with the data set's byte order; an item whose location is missing or wrongly sized is skipped.
 */
import type { DataSet } from 'dicom-parser';
import type { UltrasoundRegion } from '../../ports/cine-reader.ts';
import { TAG, type TagKeyword } from './tags.ts';

function read(ds: DataSet, keyword: TagKeyword, size: 2 | 4 | 8): number | undefined {
  const el = ds.elements[TAG[keyword]];
  if (!el || el.length < size) return undefined;
  if (size === 2) return ds.uint16(TAG[keyword]);
  if (size === 4) return ds.uint32(TAG[keyword]);
  return ds.double(TAG[keyword]);
}

export function readRegions(ds: DataSet): UltrasoundRegion[] | undefined {
  const items = ds.elements[TAG.SequenceOfUltrasoundRegions]?.items;
  if (!items) return undefined;
  const regions: UltrasoundRegion[] = [];
  for (const item of items) {
    const it = item.dataSet;
    if (!it) continue;
    const x0 = read(it, 'RegionLocationMinX0', 4);
    const y0 = read(it, 'RegionLocationMinY0', 4);
    const x1 = read(it, 'RegionLocationMaxX1', 4);
    const y1 = read(it, 'RegionLocationMaxY1', 4);
    if (x0 === undefined || y0 === undefined || x1 === undefined || y1 === undefined) continue;
    const region: UltrasoundRegion = { x0, y0, x1, y1 };
    const optional = [
      ['spatialFormat', 'RegionSpatialFormat', 2],
      ['dataType', 'RegionDataType', 2],
      ['physicalUnitsX', 'PhysicalUnitsXDirection', 2],
      ['physicalUnitsY', 'PhysicalUnitsYDirection', 2],
      ['physicalDeltaX', 'PhysicalDeltaX', 8],
      ['physicalDeltaY', 'PhysicalDeltaY', 8],
    ] as const;
    for (const [field, keyword, size] of optional) {
      const v = read(it, keyword, size);
      if (v !== undefined && Number.isFinite(v)) region[field] = v;
    }
    regions.push(region);
  }
  return regions;
}
