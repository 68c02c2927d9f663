import type { ParseError, RowStats, TaskReport } from '../../machines/task/events.ts';

/** More rows failed to parse than the spec allows: the task fails and publishes nothing. */
export class MaxParseExceptionsExceededError extends Error {
  constructor(readonly maxParseExceptions: number, readonly report: TaskReport) {
    super(`Max parse exceptions[${maxParseExceptions}] exceeded`);
    this.name = 'MaxParseExceptionsExceededError';
  }
}

/**
 * Druid's row accounting (ParseExceptionHandler): counts processed, processedWithError,
 * unparseable and thrownAway rows, keeps the first parse errors, logs them when asked, and fails
 * the ingestion once unparseable + processedWithError exceeds maxParseExceptions.
 */
export class RowAccounting {
  readonly stats: RowStats = { processed: 0, processedWithError: 0, unparseable: 0, thrownAway: 0 };
  readonly errors: ParseError[] = [];

  constructor(
    private readonly maxParseExceptions: number,
    private readonly maxSavedParseExceptions: number,
    private readonly log: ((message: string) => void) | null,
  ) {}

  processed(): void {
    this.stats.processed++;
  }

  thrownAway(): void {
    this.stats.thrownAway++;
  }

  /** A row that could not be read at all: nothing of it is ingested. */
  unparseable(line: number, input: string, reason: string): void {
    this.stats.unparseable++;
    this.note({ line, input, reason });
  }

  /** A row ingested with some columns null because they could not be read (counted as processed too). */
  processedWithError(line: number, input: string, reason: string): void {
    this.stats.processed++;
    this.stats.processedWithError++;
    this.note({ line, input, reason });
  }

  report(segments: number): TaskReport {
    return { rowStats: { ...this.stats }, parseErrors: [...this.errors], segments };
  }

  private note(error: ParseError): void {
    if (this.errors.length < this.maxSavedParseExceptions) this.errors.push(error);
    this.log?.(`Encountered parse exception: ${error.reason}`);
    if (this.stats.unparseable + this.stats.processedWithError > this.maxParseExceptions) {
      throw new MaxParseExceptionsExceededError(this.maxParseExceptions, this.report(0));
    }
  }
}
