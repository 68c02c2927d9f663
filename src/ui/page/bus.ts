import { decode, encode } from '@msgpack/msgpack';
import { connect, type NatsConnection } from 'nats.ws';
import type { Envelope } from '../../bus/errors.ts';
import { EVENT_WILDCARD } from '../../bus/subjects.ts';

/** What the page's server tells it: where NATS's websocket is, and the read-only user. */
export interface PageConfig {
  wsUrl: string;
  user: string;
  password: string;
}

/** What the page reads of an event from the feed. */
export interface FeedRecord {
  seq: number;
  at: number;
  type: string;
}

/** An error reply, in the API's words. */
export class ApiError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * The page's NATS connection (nats.ws, as the `viewer` user): the same request/reply API and event
 * feed every other client uses, msgpack bodies and grove's reply envelope.
 */
export class PageBus {
  private constructor(private readonly nc: NatsConnection) {}

  static async open(config: PageConfig, onStatus: (text: string, ok: boolean) => void): Promise<PageBus> {
    const nc = await connect({ servers: config.wsUrl, user: config.user, pass: config.password, name: 'grove-ui', maxReconnectAttempts: -1, reconnectTimeWait: 1000 });
    onStatus(`connected to ${config.wsUrl}`, true);
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect' || s.type === 'reconnecting') onStatus(`reconnecting to ${config.wsUrl} ...`, false);
        if (s.type === 'reconnect') onStatus(`connected to ${config.wsUrl}`, true);
      }
    })();
    return new PageBus(nc);
  }

  async request<T>(subject: string, body: unknown, timeoutMs = 60_000): Promise<T> {
    const msg = await this.nc.request(subject, encode(body, { ignoreUndefined: true }), { timeout: timeoutMs });
    const envelope = decode(msg.data) as Envelope<T>;
    if (envelope.ok) return envelope.result;
    throw new ApiError(envelope.error.code, envelope.error.message);
  }

  /** Calls `f` with every event committed from now on. */
  onRecord(f: (r: FeedRecord) => void): void {
    this.nc.subscribe(EVENT_WILDCARD, { callback: (err, msg) => {
      if (err === null) f(decode(msg.data) as FeedRecord);
    } });
  }
}
