import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from 'nats';
import { INTERNAL, API, EVENT_WILDCARD } from '../../../src/bus/subjects.ts';
import { connectAs } from '../../support/bus.ts';

/** Waits for the server to report a permissions violation on this connection. */
async function violation(nc: NatsConnection, act: () => void): Promise<string> {
  const seen = (async () => {
    for await (const s of nc.status()) if (s.type === 'error' && String(s.data).includes('PERMISSIONS_VIOLATION')) return String(s.data);
    return '';
  })();
  act();
  const timeout = new Promise<string>((r) => setTimeout(() => r('no violation reported'), 3000));
  return Promise.race([seen, timeout]);
}

let viewer: NatsConnection;
let client: NatsConnection;
beforeAll(async () => {
  viewer = await connectAs('viewer');
  client = await connectAs('client');
});
afterAll(async () => {
  await viewer.close().catch(() => {});
  await client.close().catch(() => {});
});

describe('nats.conf users and permissions', () => {
  it('a viewer cannot publish on grove.meta.append', async () => {
    const msg = await violation(viewer, () => viewer.publish(INTERNAL.metaAppend, new Uint8Array([1])));
    expect(msg).toMatch(/PERMISSIONS_VIOLATION/);
  });

  it('a viewer may follow grove.event.> and make read-only requests, but not submit tasks', async () => {
    const sub = viewer.subscribe(EVENT_WILDCARD);
    await viewer.flush();
    expect(sub.isClosed()).toBe(false);
    const msg = await violation(viewer, () => viewer.publish(API.taskSubmit, new Uint8Array([1])));
    expect(msg).toMatch(/PERMISSIONS_VIOLATION/);
    sub.unsubscribe();
  });

  it('a client cannot subscribe to internal subjects', async () => {
    for (const subject of [EVENT_WILDCARD, INTERNAL.metaAppend, 'grove.node.>']) {
      const msg = await violation(client, () => client.subscribe(subject));
      expect(msg, subject).toMatch(/PERMISSIONS_VIOLATION/);
    }
  });

  it('a client cannot publish on internal subjects', async () => {
    const msg = await violation(client, () => client.publish(INTERNAL.metaAppend, new Uint8Array([1])));
    expect(msg).toMatch(/PERMISSIONS_VIOLATION/);
  });

  it('a wrong password is refused', async () => {
    const { connectBus } = await import('../../../src/bus/connection.ts');
    const { inject } = await import('vitest');
    await expect(connectBus({ url: inject('natsUrl'), user: 'client', password: 'wrong', name: 'bad' })).rejects.toThrow(/AUTHORIZATION|Authorization/);
  });
});
