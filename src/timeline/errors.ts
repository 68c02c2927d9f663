/** An entry the timeline cannot hold as given: the message names the segment and the field. */
export class InvalidTimelineEntryError extends Error {
  constructor(readonly segmentId: string, readonly field: string, reason: string) {
    super(`segment ${JSON.stringify(segmentId)}: ${field} ${reason}`);
    this.name = 'InvalidTimelineEntryError';
  }
}

/**
 * An entry that contradicts what the timeline already holds: the same version on overlapping
 * but different intervals (Druid refuses it too), or a partition slot taken by another segment.
 */
export class TimelineConflictError extends Error {
  constructor(readonly segmentId: string, readonly existingId: string, reason: string) {
    super(`segment ${JSON.stringify(segmentId)} conflicts with ${JSON.stringify(existingId)}: ${reason}`);
    this.name = 'TimelineConflictError';
  }
}

export class UnknownSegmentError extends Error {
  constructor(readonly segmentId: string) {
    super(`segment ${JSON.stringify(segmentId)} is not in the timeline`);
    this.name = 'UnknownSegmentError';
  }
}
