export * from './types.ts';
export { encodeSegment, writeSegmentFile, type EncodedSegment } from './writer.ts';
export { openSegment, openSegmentBytes, type NumericColumn, type OpenOptions, type SegmentColumn, type SegmentReader, type StringColumn } from './reader.ts';
export { parseSegmentId, segmentId, SegmentIdError, type SegmentIdParts } from './id.ts';
export { isSegmentFileError, SegmentFileError, SEGMENT_FILE_NAME, type SegmentHeader } from './format.ts';
export { compareDimensionValues, compareRows } from './row-order.ts';
