import { connect, type NatsConnection } from 'nats';

export type BusUser = 'actor' | 'client' | 'viewer';

export interface ConnectOptions {
  url: string;
  user: BusUser;
  password: string;
  /** Shown by the server (connz) and in errors. */
  name: string;
  /** Actors keep reconnecting forever (the server may restart); clients give up. */
  persistent?: boolean;
}

export async function connectBus(o: ConnectOptions): Promise<NatsConnection> {
  return connect({
    servers: o.url,
    user: o.user,
    pass: o.password,
    name: o.name,
    maxReconnectAttempts: o.persistent ? -1 : 10,
    reconnectTimeWait: 250,
    waitOnFirstConnect: o.persistent ?? false,
  });
}
