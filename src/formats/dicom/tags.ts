/** The tags this reader uses, in dicom-parser's `xggggeeee` form, with their keywords for messages. */
export const TAG = {
  TransferSyntaxUID: 'x00020010',
  SOPClassUID: 'x00080016',
  Modality: 'x00080060',
  Manufacturer: 'x00080070',
  ManufacturerModelName: 'x00081090',
  RecommendedDisplayFrameRate: 'x00082144',
  CineRate: 'x00180040',
  FrameTime: 'x00181063',
  FrameTimeVector: 'x00181065',
  SequenceOfUltrasoundRegions: 'x00186011',
  RegionSpatialFormat: 'x00186012',
  RegionDataType: 'x00186014',
  RegionLocationMinX0: 'x00186018',
  RegionLocationMinY0: 'x0018601a',
  RegionLocationMaxX1: 'x0018601c',
  RegionLocationMaxY1: 'x0018601e',
  PhysicalUnitsXDirection: 'x00186024',
  PhysicalUnitsYDirection: 'x00186026',
  PhysicalDeltaX: 'x0018602c',
  PhysicalDeltaY: 'x0018602e',
  SamplesPerPixel: 'x00280002',
  PhotometricInterpretation: 'x00280004',
  PlanarConfiguration: 'x00280006',
  NumberOfFrames: 'x00280008',
  Rows: 'x00280010',
  Columns: 'x00280011',
  PixelSpacing: 'x00280030',
  BitsAllocated: 'x00280100',
  BitsStored: 'x00280101',
  HighBit: 'x00280102',
  PixelRepresentation: 'x00280103',
  RedPaletteColorLookupTableDescriptor: 'x00281101',
  GreenPaletteColorLookupTableDescriptor: 'x00281102',
  BluePaletteColorLookupTableDescriptor: 'x00281103',
  RedPaletteColorLookupTableData: 'x00281201',
  GreenPaletteColorLookupTableData: 'x00281202',
  BluePaletteColorLookupTableData: 'x00281203',
  ExtendedOffsetTable: 'x7fe00001',
  ExtendedOffsetTableLengths: 'x7fe00002',
  PixelData: 'x7fe00010',
} as const;

export type TagKeyword = keyof typeof TAG;

/** `(7FE0,0010) PixelData`: how messages name a tag. */
export function tagLabel(keyword: TagKeyword): string {
  const hex = TAG[keyword].slice(1).toUpperCase();
  return `(${hex.slice(0, 4)},${hex.slice(4)}) ${keyword}`;
}
