import { InvalidTimelineEntryError, TimelineConflictError, type TimelineEntry, type VersionedTimeline } from '../timeline/index.ts';

/**
 * Adds a segment to a timeline an actor keeps beside its fold. A segment the timeline cannot hold
 * (a version published over an interval it already covers differently) is left out and reported
 * once: the fold must go on, since the log is the truth and the actor cannot refuse it.
 */
export function placeInTimeline<P>(timeline: VersionedTimeline<P>, entry: TimelineEntry<P>, who: string): boolean {
  try {
    timeline.add(entry);
    return true;
  } catch (e) {
    if (!(e instanceof TimelineConflictError) && !(e instanceof InvalidTimelineEntryError)) throw e;
    if (!reported.has(entry.id)) console.error(`[grove] ${who}: segment ${entry.id} is left out of the timeline: ${e.message}`);
    reported.add(entry.id);
    return false;
  }
}

const reported = new Set<string>();
