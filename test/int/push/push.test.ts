import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headers as natsHeaders } from 'nats';
import { PushActor } from '../../../actors/push/push.ts';
import { push } from '../../../src/bus/subjects.ts';
import { clicks, sumOf, untilTotals } from '../realtime/support.ts';
import { clicksSupervisor, supervisedCluster } from '../supervisor/support.ts';

const c = supervisedCluster('push');
let pusher: PushActor;
beforeAll(async () => {
  pusher = await PushActor.start({ nc: c.actorNc, id: 'p' });
});
afterAll(async () => {
  await pusher?.stop();
});

/** Pushes a body as a producer does (user `client`), the reply's envelope as JSON. */
async function pushRaw(dataSource: string, body: string, msgId?: string): Promise<{ ok: boolean; result?: unknown; error?: { code: string } }> {
  const h = natsHeaders();
  h.set('Content-Type', 'application/json');
  if (msgId !== undefined) h.set('Nats-Msg-Id', msgId);
  const reply = await c.clientNc.request(push(dataSource), new TextEncoder().encode(body), { timeout: 10_000, headers: h });
  return JSON.parse(new TextDecoder().decode(reply.data));
}

describe('push ingestion', () => {
  it('refuses rows for a datasource with no push supervisor', async () => {
    expect(await pushRaw('nobody', '[{"ts":"2024-01-01T00:00:00Z"}]')).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('lands pushed rows in JetStream exactly once: the same rows pushed again, or a producer id seen before, are counted once; late rows are kept', async () => {
    await c.submitSupervisor(clicksSupervisor('pushed', 'unused', { push: true, stream: undefined, useEarliestSequence: undefined, taskCount: 2, taskDuration: 'PT2S' }));
    const rows = clicks(30, 0, 'q');
    expect(await pushRaw('pushed', JSON.stringify(rows))).toEqual({ ok: true, result: { accepted: 30, duplicates: 0 } });
    // A producer's retry of the whole batch, as newline-delimited JSON this time.
    expect(await pushRaw('pushed', rows.map((r) => JSON.stringify(r)).join('\n'))).toEqual({ ok: true, result: { accepted: 0, duplicates: 30 } });
    const order = { ts: '2024-01-01T05:00:00Z', page: 'order', added: 1000 };
    expect(await pushRaw('pushed', JSON.stringify(order), 'order-1')).toEqual({ ok: true, result: { accepted: 1, duplicates: 0 } });
    expect(await pushRaw('pushed', JSON.stringify({ ...order, added: 1 }), 'order-1')).toEqual({ ok: true, result: { accepted: 0, duplicates: 1 } });
    expect(await pushRaw('pushed', 'not json\n{}')).toMatchObject({ ok: false, error: { code: 'bad_request' } });

    // 2024-01-01 is long past: without a lateMessageRejectionPeriod, push keeps late rows.
    await untilTotals(c, 'pushed', { rows: 31, added: sumOf(rows) + 1000 }, 30_000);
    const status = await c.status('pushed');
    expect(status).toMatchObject({ push: true, stream: 'GROVE_PUSH_pushed', subjectPrefix: 'grove.stream.pushed', partitions: ['0', '1'] });
  });
});
