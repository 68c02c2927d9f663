import { decode } from '@msgpack/msgpack';
import type { NatsConnection, Subscription } from 'nats';
import { request } from '../bus/client.ts';
import { API, eventSubject } from '../bus/subjects.ts';

/** How each segment's handoff ended: a historical loaded it, or its deadline passed first. */
export interface HandoffOutcome {
  handedOff: string[];
  timedOut: string[];
}

/** The handoff machine's final states (machines/handoff). */
type Ended = 'handedOff' | 'timedOut';
const ENDED_BY: Readonly<Record<string, Ended>> = { HandoffCompleted: 'handedOff', HandoffTimedOut: 'timedOut' };

/** Asks the log again this often, in case an event went by unseen (a reconnect, or it came before the subscription). */
const POLL_MS = 2000;

/**
 * Waits until the handoff of every segment has ended (Druid's SegmentHandoffNotifier): the
 * overlord appends HandoffCompleted when a historical serves a segment and HandoffTimedOut at
 * the task's handoffConditionTimeout. The events wake the wait; the log, asked every few
 * seconds, is the truth (a replica's segments may have been handed off before it asked).
 * Rejects with the signal's reason when it aborts.
 */
export async function awaitHandoffs(nc: NatsConnection, segmentIds: readonly string[], signal: AbortSignal): Promise<HandoffOutcome> {
  const ended = new Map<string, Ended>();
  const waiting = new Set(segmentIds);
  let wake: () => void = () => undefined;
  const note = (segmentId: string, how: Ended): void => {
    if (!waiting.delete(segmentId)) return;
    ended.set(segmentId, how);
    wake();
  };
  const subs: Subscription[] = Object.entries(ENDED_BY).map(([type, how]) => nc.subscribe(eventSubject('handoff', type), {
    callback: (err, msg) => {
      if (err) return;
      const record = decode(msg.data) as { data?: { segmentId?: unknown } };
      if (typeof record.data?.segmentId === 'string') note(record.data.segmentId, how);
    },
  }));
  try {
    while (waiting.size > 0) {
      signal.throwIfAborted();
      for (const id of [...waiting]) {
        const how = await endedInLog(nc, id);
        if (how !== null) note(id, how);
      }
      if (waiting.size === 0) break;
      await new Promise<void>((resolve) => {
        const done = (): void => { clearTimeout(timer); signal.removeEventListener('abort', done); resolve(); };
        const timer = setTimeout(done, POLL_MS);
        wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
    }
    signal.throwIfAborted();
  } finally {
    for (const s of subs) s.unsubscribe();
  }
  return { handedOff: segmentIds.filter((id) => ended.get(id) === 'handedOff'), timedOut: segmentIds.filter((id) => ended.get(id) === 'timedOut') };
}

async function endedInLog(nc: NatsConnection, segmentId: string): Promise<Ended | null> {
  const { state } = await request<{ state: string }>(nc, API.replayState, { at: 'latest', kind: 'handoff', id: segmentId });
  return state === 'handedOff' || state === 'timedOut' ? state : null;
}
