import type { Msg, MsgHdrs, NatsConnection, Service, ServiceMsg } from 'nats';
import { decodeBody, encodeBody, formatOf, jsonHeaders, type BodyFormat } from './codec.ts';
import { GroveError, isGroveError, type Envelope } from './errors.ts';

export interface RequestContext {
  subject: string;
  format: BodyFormat;
  headers?: MsgHdrs;
}

export type Handler = (body: unknown, ctx: RequestContext) => unknown;

export interface EndpointDef {
  subject: string;
  handler: Handler;
  /** Instances of one kind share requests through a queue group unless `queue` is false. */
  queue?: boolean;
  /** The handler gets the body's bytes undecoded (e.g. newline-delimited JSON), and the headers. */
  raw?: boolean;
}

export interface ServiceDef {
  /** The actor kind, e.g. `metastore`; several instances share it. */
  kind: string;
  id: string;
  description: string;
  endpoints: Record<string, EndpointDef>;
}

/** Sends the envelope in the request's own format (JSON in, JSON out). */
export function reply(msg: Msg, format: BodyFormat, envelope: Envelope): void {
  if (!msg.reply) return;
  msg.respond(encodeBody(envelope, format), format === 'json' ? { headers: jsonHeaders() } : undefined);
}

/** Turns anything a handler throws into an error envelope; never throws itself. */
export function errorEnvelope(e: unknown, subject: string): Envelope {
  if (isGroveError(e)) return { ok: false, error: e.toBody() };
  console.error(`[grove] internal error on ${subject}:`, e);
  return { ok: false, error: new GroveError('internal', `internal error on ${subject}: ${(e as Error)?.message ?? String(e)}`).toBody() };
}

/** Decodes, runs the handler and replies: a malformed request gets an error, the actor stays up. */
export async function handle(msg: Msg, handler: Handler, raw = false): Promise<void> {
  const format = formatOf(msg.data, msg.headers);
  let envelope: Envelope;
  try {
    const body = raw ? msg.data : decodeBody(msg.data, format);
    envelope = { ok: true, result: await handler(body, { subject: msg.subject, format, ...(msg.headers ? { headers: msg.headers } : {}) }) };
  } catch (e) {
    envelope = errorEnvelope(e, msg.subject);
  }
  try {
    reply(msg, format, envelope);
  } catch (e) {
    const tooBig = (e as Error).message?.includes('MAX_PAYLOAD');
    reply(msg, format, errorEnvelope(tooBig ? new GroveError('bad_request', `the reply on ${msg.subject} is larger than the server's max_payload: ask for less (a limit, a narrower interval)`) : e, msg.subject));
  }
}

/**
 * Registers an actor with the NATS services API (so `$SRV.PING/INFO/STATS` list it) and serves
 * its endpoints.
 */
export async function startService(nc: NatsConnection, def: ServiceDef): Promise<Service> {
  const service = await nc.services.add({
    name: def.kind,
    version: '0.1.0',
    description: def.description,
    metadata: { id: def.id },
  });
  for (const [name, ep] of Object.entries(def.endpoints)) {
    service.addEndpoint(name, {
      subject: ep.subject,
      queue: ep.queue === false ? '' : undefined,
      handler: (err: unknown, msg: ServiceMsg) => {
        if (err) return;
        void handle(msg, ep.handler, ep.raw);
      },
    });
  }
  return service;
}
