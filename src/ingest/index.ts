/**
 * Batch ingestion (DESIGN.md §6): what the indexer calls. Parse a task with
 * `parseTaskSpec` (src/spec/task-spec.ts), then `runBatchIngestion(task.spec, options)`.
 */
export {
  runBatchIngestion, IngestionFailedError,
  type BatchIngestionOptions, type BatchIngestionResult, type IngestedSegment, type IngestionProgress,
  type PlannedSegment, type SegmentIdentity, type SegmentVersioning,
} from './batch-ingestion.ts';
export { MaxParseExceptionsExceededError } from './parse-exceptions.ts';
export { InputSourceError, listInputEntities, type InputEntity, type InputSourceSpec } from './input-source.ts';
export { hashBucket } from './partition.ts';
export { timestampParser, TimestampFormatError } from './timestamp.ts';
export { compileExpression, ExpressionError } from './expression.ts';
