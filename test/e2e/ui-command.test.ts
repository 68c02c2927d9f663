import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/bus/nats-server.ts';
import { startGrove, type GroveProcess } from '../support/grove-process.ts';

/** `grove ui` as a user runs it: the visualizer alone, against a grove already running. */

const bin = new URL('../../bin/grove.js', import.meta.url).pathname;
let grove: GroveProcess;

beforeAll(async () => {
  grove = await startGrove(['--actors', 'metastore']);
});
afterAll(async () => {
  await grove?.stop();
});

/** Runs `grove ui <args>` until it prints its URL (or exits); resolves with what it printed. */
function runUi(args: string[]): Promise<{ child: ChildProcess; output: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'ui', ...args], { env: grove.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const seen = (d: Buffer): void => {
      output += d.toString();
      if (output.includes('visualizer: http')) resolve({ child, output, code: null });
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    child.once('exit', (code) => resolve({ child, output, code }));
  });
}

const stopped = (child: ChildProcess): Promise<number | null> => new Promise((resolve) => {
  child.once('exit', (code) => resolve(code));
  child.kill('SIGTERM');
});

describe('grove ui', () => {
  it('serves the page, its script and where to connect, on the port asked for, until stopped', async () => {
    const port = await freePort();
    const ui = await runUi(['--ui-port', String(port)]);
    try {
      expect(ui.output).toContain(`visualizer: http://127.0.0.1:${port}   (reading grove over ws://127.0.0.1:${grove.wsPort} as viewer)`);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain(`connect-src 'self' ws://127.0.0.1:${grove.wsPort}`);
      expect(await page.text()).toContain('<script type="module" src="/app.js">');
      expect(await (await fetch(`http://127.0.0.1:${port}/config.json`)).json()).toEqual({ wsUrl: `ws://127.0.0.1:${grove.wsPort}`, user: 'viewer', password: 'viewer' });
      const script = await fetch(`http://127.0.0.1:${port}/app.js`);
      expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect((await script.text()).length).toBeGreaterThan(100_000);
      expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
      const status = await grove.cli(['status', '--json']);
      expect(JSON.parse(status.stdout).actors.map((a: { kind: string }) => a.kind)).toContain('ui');
    } finally {
      expect(await stopped(ui.child)).toBe(0);
    }
  });

  it('says which setting to change when its port is taken', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => taken.once('listening', r));
    const port = (taken.address() as { port: number }).port;
    try {
      const ui = await runUi(['--ui-port', String(port)]);
      expect(ui.code).toBe(1);
      expect(ui.output).toContain(`the visualizer's port ${port} on 127.0.0.1 is in use: set GROVE_UI_PORT or pass --ui-port`);
    } finally {
      taken.close();
    }
  });
});
