import { afterAll, beforeAll, inject } from 'vitest';
import type { NatsConnection } from 'nats';
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

export { rejectionOf } from './grove-errors.ts';
