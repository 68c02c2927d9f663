import type { CommitMetadata, SegmentDescriptor } from '../../machines/segment/events.ts';
import { isGroveError } from '../bus/errors.ts';
import type { IngestedSegment } from '../ingest/batch-ingestion.ts';
import { segmentId } from '../segment/id.ts';
import type { DeepStorage, SegmentKey } from '../storage/deep-storage.ts';
import { formatInterval, parseInterval } from '../time/interval.ts';
import type { TaskContext } from './task-context.ts';

/** Copies a segment file to deep storage; returns its descriptor, as the overlord publishes it. */
export async function pushSegment(storage: DeepStorage, s: IngestedSegment): Promise<SegmentDescriptor> {
  const loadSpec = await storage.put(s.file, s);
  return {
    id: segmentId(s),
    dataSource: s.dataSource,
    interval: formatInterval(s.interval),
    version: s.version,
    partitionNum: s.partitionNum,
    shardSpec: s.shardSpec,
    dimensions: s.dimensions,
    metrics: s.metrics,
    rows: s.written.rows,
    size: s.written.size,
    loadSpec,
    checksum: s.written.checksum,
  };
}

const keyOf = (d: SegmentDescriptor): SegmentKey => ({ dataSource: d.dataSource, interval: parseInterval(d.interval), version: d.version, partitionNum: d.partitionNum });

export interface PublishOptions {
  dropExisting?: boolean;
  /** A streaming task's offsets, committed in the same append (alone when there are no segments). */
  commit?: CommitMetadata;
}

/**
 * Pushes the segments to deep storage and publishes them through the overlord in one append (the
 * task is `publishing` meanwhile). A publish the overlord refuses leaves nothing behind: the pushed
 * files are deleted (Druid kills them too). A publish that got no answer at all leaves them, since it
 * may have landed. Returns the published descriptors; nothing to publish (and no offsets to commit)
 * publishes nothing.
 */
export async function pushAndPublish(ctx: TaskContext, segments: readonly IngestedSegment[], opts: PublishOptions = {}): Promise<SegmentDescriptor[]> {
  if (segments.length === 0 && opts.commit === undefined) return [];
  const pushed: SegmentDescriptor[] = [];
  try {
    for (const s of segments) {
      ctx.signal.throwIfAborted();
      pushed.push(await pushSegment(ctx.deepStorage, s));
    }
    ctx.signal.throwIfAborted();
    await ctx.overlord.update('publishing');
    await ctx.overlord.publish(pushed, opts.commit, { dropExisting: opts.dropExisting === true });
    return pushed;
  } catch (e) {
    const refused = !isGroveError(e) || !(e.code === 'timeout' || e.code === 'unavailable');
    if (refused) await Promise.all(pushed.map((d) => ctx.deepStorage.delete(keyOf(d)).catch(() => undefined)));
    throw e;
  }
}
