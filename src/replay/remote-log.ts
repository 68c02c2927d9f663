import type { NatsConnection } from 'nats';
import { request } from '../bus/client.ts';
import { API } from '../bus/subjects.ts';
import type { LogRecord } from '../log/record.ts';

/** The most `grove.api.log.read` serves in one reply. */
const PAGE = 5000;

/** Records `from..to` of the log over NATS (`grove.api.log.read`), page by page, in order. */
export async function* remoteRecords(nc: NatsConnection, from: number, to: number): AsyncGenerator<LogRecord> {
  for (let next = from; next <= to; ) {
    const page = await request<LogRecord[]>(nc, API.logRead, { from: next, to, limit: PAGE });
    if (page.length === 0) return;
    yield* page;
    next = page[page.length - 1]!.seq + 1;
  }
}

/** The log's last sequence number, as the metastore reports it. */
export async function remoteLastSeq(nc: NatsConnection): Promise<number> {
  return (await request<{ lastSeq: number }>(nc, API.status, {}, { timeoutMs: 10_000 })).lastSeq;
}
