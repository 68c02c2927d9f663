import { DeliverPolicy, type ConsumerMessages, type JetStreamClient } from 'nats';

/** One message of a partition: its stream sequence and its bytes (one row, or rows a line each). */
export interface StreamMessage {
  partition: string;
  seq: number;
  data: Uint8Array;
}

/** The subject of partition `n`: `<subjectPrefix>.<n>`. */
export const partitionSubject = (subjectPrefix: string, partition: string): string => `${subjectPrefix}.${partition}`;

/**
 * Reads one partition of a JetStream stream in order from a sequence on, through an ordered
 * consumer (ephemeral, recreated by the client after a gap or a reconnect, so nothing is missed
 * and nothing acknowledged): Druid's per-partition stream reader. Each message is handed to
 * `onMessage` as the client receives it (its callback mode: no async iterator, no promise per
 * message); the consumer pulls ahead up to 1,000 messages.
 */
export class PartitionReader {
  private constructor(readonly partition: string, private readonly messages: ConsumerMessages) {}

  /** Starts reading at `fromSeq` (JetStream sequences start at 1, so 0 reads from the first). */
  static async open(js: JetStreamClient, stream: string, subjectPrefix: string, partition: string, fromSeq: number, onMessage: (m: StreamMessage) => void): Promise<PartitionReader> {
    const consumer = await js.consumers.get(stream, {
      filterSubjects: partitionSubject(subjectPrefix, partition),
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(1, fromSeq),
    });
    const messages = await consumer.consume({ max_messages: 1000, callback: (m) => onMessage({ partition, seq: m.seq, data: m.data }) });
    return new PartitionReader(partition, messages);
  }

  /** Resolves when reading has stopped: with the error that stopped it, if one did. */
  async failed(): Promise<Error | undefined> {
    return (await this.messages.closed()) ?? undefined;
  }

  /** Stops handing messages over. */
  async stop(): Promise<void> {
    await this.messages.close().catch(() => undefined);
  }
}
