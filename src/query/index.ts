export {
  decodePartial, encodePartial, finalize, mergePartials, runOnSegment, runQuery, type Partial, type SegmentSlice,
} from './engine.ts';
export { parseQuery, type Query } from '../spec/query.ts';
