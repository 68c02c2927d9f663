import type { NatsConnection } from 'nats';
import { request } from '../../src/bus/client.ts';
import { GroveError, isGroveError } from '../../src/bus/errors.ts';
import { API } from '../../src/bus/subjects.ts';

/**
 * Waits until a metastore answers: an actor started alone (`grove start --actors broker`) may come
 * up before the metastore does, and everything it knows it folds from the metastore's log.
 */
export async function untilMetastoreAnswers(nc: NatsConnection, who: string, timeoutMs = 120_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      await request(nc, API.status, {}, { timeoutMs: 2000 });
      return;
    } catch (e) {
      if (!isGroveError(e, 'unavailable') && !isGroveError(e, 'timeout')) throw e;
      if (performance.now() > deadline) throw new GroveError('unavailable', `${who}: no metastore answered on ${API.status} within ${timeoutMs} ms`);
      if (!told) console.log(`[grove] ${who}: waiting for a metastore on ${API.status} ...`);
      told = true;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
