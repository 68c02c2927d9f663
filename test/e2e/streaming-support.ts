import { afterAll, beforeAll } from 'vitest';
import type { JetStreamClient, NatsConnection } from 'nats';
import { request } from '../../src/bus/client.ts';
import { API } from '../../src/bus/subjects.ts';
import { connectAs } from '../support/bus.ts';
import { startGrove, type GroveProcess } from '../support/grove-process.ts';
import { pageViewSchema } from '../support/page-views.ts';

/** `grove start` for a test file, with an actor connection (JetStream) and a client connection. */
export interface StreamingSession {
  grove: GroveProcess;
  actor: NatsConnection;
  client: NatsConnection;
  js: JetStreamClient;
}

/** Starts grove before the file's tests and stops it after; the session is filled in before the first test. */
export function groveWithStreams(args: string[] = [], env: NodeJS.ProcessEnv = {}): StreamingSession {
  const session = {} as StreamingSession;
  beforeAll(async () => {
    session.grove = await startGrove(args, { env });
    session.actor = await connectAs('actor', session.grove.natsUrl);
    session.client = await connectAs('client', session.grove.natsUrl);
    session.js = session.actor.jetstream();
  }, 120_000);
  afterAll(async () => {
    await session.client?.close();
    await session.actor?.close();
    if (session.grove?.process.exitCode === null) await session.grove.stop();
  });
  return session;
}

/** Page views timed in epoch ms, rows kept as they are. */
export const clicksSchema = (dataSource: string, segmentGranularity = 'hour') => pageViewSchema(dataSource, { timeFormat: 'millis', segmentGranularity, rollup: false });

/** Rows (the `count` metric summed) and the sum of `added` the broker answers over `interval`. */
export async function countAndSum(client: NatsConnection, dataSource: string, interval: string): Promise<{ rows: number; added: number } | null> {
  const r = await request<Array<{ result: { rows: number; added: number } }>>(client, API.query, {
    queryType: 'timeseries', dataSource, granularity: 'all', intervals: [interval],
    aggregations: [{ type: 'longSum', name: 'rows', fieldName: 'count' }, { type: 'longSum', name: 'added', fieldName: 'added' }],
  });
  return r[0]?.result ?? null;
}
