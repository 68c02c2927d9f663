import type { JetStreamManager, NatsError } from 'nats';
import { partitionSubject } from './partition-reader.ts';

const NO_MESSAGE = 404;

/**
 * Whether partition `partition` has no message in [next, end): the stream has stored every
 * sequence before `end` (its last sequence is at least end - 1, so whatever comes later is at
 * or past `end`) and the partition's last message is before `next`. A task whose partition went
 * quiet before its end learns this way that it has read all there is to read. The stream is asked
 * first, the partition second, so a message stored in between is seen.
 */
export async function nothingLeftBefore(jsm: JetStreamManager, stream: string, subjectPrefix: string, partition: string, next: number, end: number): Promise<boolean> {
  if (next >= end) return true;
  const info = await jsm.streams.info(stream);
  if (info.state.last_seq < end - 1) return false;
  return (await lastSeqOf(jsm, stream, partitionSubject(subjectPrefix, partition))) < next;
}

/** The sequence of the partition's last message, 0 when it has none. */
async function lastSeqOf(jsm: JetStreamManager, stream: string, subject: string): Promise<number> {
  try {
    return (await jsm.streams.getMessage(stream, { last_by_subj: subject })).seq;
  } catch (e) {
    if ((e as NatsError).api_error?.code === NO_MESSAGE) return 0;
    throw e;
  }
}
