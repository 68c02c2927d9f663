import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portAnswers } from '../../src/bus/nats-server.ts';
import { startGrove, type GroveProcess } from '../support/grove-process.ts';

let grove: GroveProcess;
beforeAll(async () => {
  grove = await startGrove();
});
afterAll(async () => {
  if (grove.process.exitCode === null) await grove.stop();
});

describe('grove start, as a user runs it', () => {
  it('starts nats-server from nats.conf and every actor, and says what to try next', () => {
    expect(grove.output()).toContain('starting nats-server -c nats.conf');
    expect(grove.output()).toContain('npx grove status');
    expect(existsSync(join(grove.dataDir, 'metadata'))).toBe(true);
    expect(existsSync(join(grove.dataDir, 'jetstream'))).toBe(true);
  });

  it('grove status lists the running actors and the log', async () => {
    const { code, stdout } = await grove.cli(['status', '--json']);
    expect(code).toBe(0);
    const status = JSON.parse(stdout);
    expect(status.actors.map((a: { kind: string }) => a.kind)).toContain('metastore');
    expect(status.log.lastSeq).toBeGreaterThanOrEqual(0);
  });

  it('stops on SIGTERM: drains, closes the log and stops its nats-server, leaving no process behind', async () => {
    const code = await grove.stop();
    expect(code).toBe(0);
    expect(grove.output()).toContain('stopped.');
    expect(await portAnswers(grove.natsPort)).toBe(false);
  });
});
