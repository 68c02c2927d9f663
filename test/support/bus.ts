import { afterAll, beforeAll, inject } from 'vitest';
import type { NatsConnection } from 'nats';
import { GroveError } from '../../src/bus/errors.ts';
import { connectBus, type BusUser } from '../../src/bus/connection.ts';
import { startTestNats, TEST_PASSWORDS, type TestNats } from './nats-server.ts';

/** A connection to a nats-server (the run's shared one by default) as one of nats.conf's users. */
export function connectAs(user: BusUser, url: string = inject('natsUrl')): Promise<NatsConnection> {
  return connectBus({ url, user, password: TEST_PASSWORDS[user], name: `test-${user}` });
}

/**
 * A nats-server of this test file's own. Files that start actors need one: actors of one kind
 * share requests through queue groups, so two files' metastores on one server would split them.
 */
export function ownNatsServer(): { url(): string; server(): TestNats } {
  let nats: TestNats | null = null;
  beforeAll(async () => {
    nats = await startTestNats();
  });
  afterAll(async () => {
    await nats?.dispose();
  });
  return {
    url: () => nats!.url,
    server: () => nats!,
  };
}

/** The GroveError a request fails with; fails the test if it succeeds or fails otherwise. */
export async function rejectionOf(p: Promise<unknown>): Promise<GroveError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GroveError) return e;
    throw e;
  }
  throw new Error('expected the request to fail, but it succeeded');
}
