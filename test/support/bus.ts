import { inject } from 'vitest';
import type { NatsConnection } from 'nats';
import { connectBus, type BusUser } from '../../src/bus/connection.ts';
import { TEST_PASSWORDS } from './nats-server.ts';

/** A connection to the run's nats-server as one of nats.conf's users. */
export function connectAs(user: BusUser, url: string = inject('natsUrl')): Promise<NatsConnection> {
  return connectBus({ url, user, password: TEST_PASSWORDS[user], name: `test-${user}` });
}

let counter = 0;
/** A unique id per test (tests share one server, so actor ids must not collide). */
export const uniqueId = (prefix: string): string => `${prefix}-${process.pid}-${++counter}-${Date.now().toString(36)}`;
