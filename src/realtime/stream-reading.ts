import type { JetStreamClient, JetStreamManager } from 'nats';
import { lineParser, type LineParser } from '../ingest/input-format.ts';
import { RowAccounting } from '../ingest/parse-exceptions.ts';
import { RowSchema } from '../ingest/row-schema.ts';
import type { PartitionOffsets } from '../streaming/task-protocol.ts';
import type { TaskProgressReport } from '../tasks/task-context.ts';
import { nothingLeftBefore } from './end-probe.ts';
import { PartitionProgress } from './partition-offsets.ts';
import { PartitionReader, partitionSubject, type StreamMessage } from './partition-reader.ts';
import { RealtimeRowProcessor } from './row-router.ts';
import { Sinks, type Allocate } from './sinks.ts';
import type { RealtimeTask } from './task-spec.ts';

export interface StreamReadingOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  allocate: Allocate;
  /** Where persisted rows go. */
  persistDir: string;
  progress: (p: TaskProgressReport) => void;
  log: (message: string) => void;
}

/** How often a finishing task asks the stream whether a quiet partition has anything left before its end. */
const END_PROBE_MS = 200;
/** Messages handled in one go before timers, requests and other jobs get a turn. */
const DRAIN_BATCH = 1000;
const decoder = new TextDecoder();

/**
 * The reading half of a realtime task (Druid's SeekableStreamIndexTaskRunner main loop): reads
 * each owned partition from its start sequence, parses each message (one row, or rows a line
 * each), places the rows in the segments of their time chunks, keeps memory bounded by persisting
 * (maxRowsInMemory, intermediatePersistPeriod), and tracks per partition the next sequence to
 * read. Messages are handled one at a time, across partitions, so `current` always means "every
 * message before it is in the indexes": the readers queue them as they come, and a drain takes
 * them in order, synchronously unless one has to wait (a segment to allocate, a persist). Once
 * an end is set (at submission or by `finish`), `run` resolves when every partition has reached it.
 */
export class StreamReading {
  readonly schema: RowSchema;
  readonly offsets: PartitionProgress;
  readonly sinks: Sinks;
  readonly accounting: RowAccounting;
  private readonly processor: RealtimeRowProcessor;
  private readonly parsers = new Map<string, LineParser>();
  private readers: PartitionReader[] = [];
  /** Messages the readers handed over, not handled yet: `queue[head]` on. */
  private queue: StreamMessage[] = [];
  private head = 0;
  /** A drain is queued or running (it takes whatever is queued by the time it runs). */
  private draining = false;
  /** The drain (or persist, or probe) being run: the next waits for it. */
  private turn: Promise<unknown> = Promise.resolve();
  private settle: ((error?: unknown) => void) | null = null;
  /** While paused, queued messages wait for `finish`. */
  private paused = false;
  /** The message being indexed, if it is waiting (an allocation, a persist). */
  private indexing: Promise<void> = Promise.resolve();
  private rowsRead = 0;
  private bytesRead = 0;
  private readonly started = performance.now();

  constructor(private readonly task: RealtimeTask, private readonly o: StreamReadingOptions) {
    const { dataSchema, tuning } = task;
    this.schema = new RowSchema(dataSchema, dataSchema.timestampSpec.column);
    this.offsets = new PartitionProgress(task.start, task.end);
    this.accounting = new RowAccounting(tuning.maxParseExceptions, tuning.maxSavedParseExceptions, tuning.logParseExceptions ? o.log : null);
    this.sinks = new Sinks({
      dataSource: task.dataSource, schema: this.schema, rollup: dataSchema.granularitySpec.rollup, segmentGranularity: dataSchema.granularitySpec.segmentGranularity,
      baseSequenceName: task.baseSequenceName, maxRowsPerSegment: tuning.maxRowsPerSegment, allocate: o.allocate, persistDir: o.persistDir,
    });
    this.processor = new RealtimeRowProcessor(dataSchema, this.schema, this.sinks, this.accounting, task);
  }

  /** Reads until every partition reached its end; rejects on a failure or when `signal` aborts (then reading stops at once). */
  async run(signal: AbortSignal): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      this.settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    const onAbort = (): void => this.stop(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const timers = [setInterval(() => this.exclusive(() => this.probeEnds()), END_PROBE_MS), setInterval(() => this.exclusive(() => this.sinks.persistAll()), this.task.tuning.intermediatePersistPeriodMs)];
    try {
      signal.throwIfAborted();
      this.readers = await Promise.all(this.offsets.partitions.map((p) => PartitionReader.open(this.o.js, this.task.stream, this.task.subjectPrefix, p, this.offsets.next(p), (m) => this.enqueue(m))));
      for (const r of this.readers) void r.failed().then((e) => e !== undefined && this.stop(e));
      if (this.settle === null) for (const r of this.readers) void r.stop();
      if (this.offsets.allDone()) this.stop();
      await done;
      await this.turn;
    } finally {
      timers.forEach(clearInterval);
      signal.removeEventListener('abort', onAbort);
      await Promise.all(this.readers.map((r) => r.stop()));
    }
  }

  /**
   * Stops taking messages until `finish` (Druid's pause before setEndOffsets), once the message
   * being indexed is in: `current` then stays where it is, so an end computed from it is never
   * behind what the task has read. A task that has its end already goes on to it.
   */
  async pause(): Promise<void> {
    if (this.offsets.end === null) this.paused = true;
    await this.indexing;
  }

  /** Sets where reading ends (Druid's setEndOffsets; see PartitionProgress.setEnd) and resumes a paused task. */
  finish(end: PartitionOffsets): void {
    this.offsets.setEnd(end);
    this.unpause();
    void this.exclusive(() => this.probeEnds());
  }

  private unpause(): void {
    if (!this.paused) return;
    this.paused = false;
    this.scheduleDrain();
  }

  /** Ends reading: with an error, `run` rejects with it. */
  private stop(error?: unknown): void {
    const settle = this.settle;
    if (settle === null) return;
    this.settle = null;
    this.unpause();
    this.queue = [];
    this.head = 0;
    for (const r of this.readers) void r.stop();
    settle(error);
  }

  private enqueue(m: StreamMessage): void {
    if (this.settle === null) return;
    this.queue.push(m);
    this.scheduleDrain();
  }

  private scheduleDrain(): void {
    if (this.draining || this.paused || this.head === this.queue.length) return;
    this.draining = true;
    void this.exclusive(() => this.drain());
  }

  /**
   * Handles queued messages in order until the queue is empty, the task pauses or stops, or
   * DRAIN_BATCH are done (then the rest wait for a turn after the jobs queued meanwhile).
   */
  private async drain(): Promise<void> {
    let handled = 0;
    let yielded = false;
    try {
      while (this.head < this.queue.length && !this.paused && this.settle !== null) {
        if (handled === DRAIN_BATCH) {
          yielded = true;
          setImmediate(() => this.scheduleDrain());
          break;
        }
        handled++;
        const m = this.queue[this.head++]!;
        const waiting = this.indexMessage(m);
        if (waiting !== undefined) {
          this.indexing = waiting.catch(() => undefined);
          await waiting;
        }
      }
    } finally {
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      this.draining = false;
      if (handled > 0) this.report();
      if (!yielded) this.scheduleDrain();
    }
  }

  /** Runs `job` after whatever is being handled; a failing job stops reading with its error. */
  private exclusive(job: () => Promise<void> | void): Promise<void> {
    const next = this.turn.then(async () => {
      if (this.settle === null) return;
      try {
        await job();
      } catch (e) {
        this.stop(e);
      }
    });
    this.turn = next;
    return next;
  }

  /** Indexes one message; a promise only when it has to wait (rows for a segment to allocate, a persist). */
  private indexMessage(m: StreamMessage): Promise<void> | undefined {
    if (this.offsets.verdict(m.partition, m.seq) === 'index') {
      this.index(m);
      if (this.processor.waitingRows > 0 || this.sinks.inMemoryRows() >= this.task.tuning.maxRowsInMemory) return this.placeAndPersist(m);
      this.offsets.read(m.partition, m.seq);
    }
    this.afterMessage(m);
    return undefined;
  }

  private async placeAndPersist(m: StreamMessage): Promise<void> {
    await this.processor.placeWaiting();
    this.offsets.read(m.partition, m.seq);
    if (this.sinks.inMemoryRows() >= this.task.tuning.maxRowsInMemory) await this.sinks.persistAll();
    this.afterMessage(m);
  }

  /** A partition at its end reads no more; all at their ends, reading is over. */
  private afterMessage(m: StreamMessage): void {
    if (!this.offsets.done(m.partition)) return;
    void this.readers.find((r) => r.partition === m.partition)?.stop();
    if (this.offsets.allDone()) this.stop();
  }

  private index(m: StreamMessage): void {
    const parse = this.parserOf(m.partition);
    const text = decoder.decode(m.data);
    const lines = text.includes('\n') ? text.split('\n') : [text];
    this.processor.source = `${partitionSubject(this.task.subjectPrefix, m.partition)} #${m.seq}`;
    this.processor.partition = m.partition;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === '') continue;
      parse(line, i + 1, this.processor);
      this.rowsRead++;
    }
    this.bytesRead += m.data.length;
  }

  /** Partitions that went quiet before their end are done once the stream has nothing more for them there. */
  private async probeEnds(): Promise<void> {
    const end = this.offsets.end;
    if (end === null) return;
    for (const p of this.offsets.partitions) {
      if (this.offsets.done(p)) continue;
      if (await nothingLeftBefore(this.o.jsm, this.task.stream, this.task.subjectPrefix, p, this.offsets.next(p), end[p]!)) this.offsets.reachEnd(p);
    }
    if (this.offsets.allDone()) this.stop();
  }

  /** A format parser per partition: CSV headers and skipped rows are per partition, as per file in batch. */
  private parserOf(partition: string): LineParser {
    let parse = this.parsers.get(partition);
    if (parse === undefined) this.parsers.set(partition, (parse = lineParser(this.task.inputFormat)));
    return parse;
  }

  private report(): void {
    const seconds = (performance.now() - this.started) / 1000;
    this.o.progress({ phase: this.offsets.end === null ? 'reading' : 'finishing', rowsRead: this.rowsRead, bytesRead: this.bytesRead, rowsPerSecond: seconds > 0 ? this.rowsRead / seconds : 0 });
  }
}
