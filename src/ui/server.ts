import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { PageConfig } from './page/bus.ts';

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));

export interface UiServerOptions {
  port: number;
  /** Where the page connects (nats.ws) and as whom: the read-only `viewer` user. */
  page: PageConfig;
}

export interface UiServer {
  url: string;
  close(): Promise<void>;
}

/** The visualizer's port is taken: say how to pick another. */
export class UiPortInUseError extends Error {
  constructor(readonly port: number) {
    super(`the visualizer's port ${port} on 127.0.0.1 is in use: set GROVE_UI_PORT or pass --ui-port`);
    this.name = 'UiPortInUseError';
  }
}

let bundle: Promise<string> | null = null;

/**
 * The page's script, bundled once per process by esbuild in memory (elkjs, nats.ws and msgpack
 * included): nothing is fetched from outside, nothing is written to disk.
 */
export function pageBundle(): Promise<string> {
  bundle ??= (async () => {
    const { build } = await import('esbuild');
    const out = await build({
      entryPoints: [`${PAGE_DIR}main.ts`],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      legalComments: 'none',
      // nats.ws falls back to node's crypto where there is no Web Crypto; browsers have it.
      external: ['crypto'],
      logLevel: 'silent',
    });
    return out.outputFiles[0]!.text;
  })();
  return bundle;
}

/** Nothing but the page itself and the NATS websocket: the page works with no internet. */
function securityPolicy(wsUrl: string): string {
  return `default-src 'self'; connect-src 'self' ${wsUrl}; img-src 'self' data:; style-src 'self'; script-src 'self'`;
}

/** Serves the visualizer on 127.0.0.1: the page, its bundled script, and where NATS is. */
export async function startUiServer(o: UiServerOptions): Promise<UiServer> {
  const script = pageBundle();
  script.catch((e: unknown) => console.error(`[grove] the visualizer's page failed to bundle: ${(e as Error).message}`));
  const csp = securityPolicy(o.page.wsUrl);
  const routes: Record<string, () => Promise<{ type: string; body: string }>> = {
    '/': async () => ({ type: 'text/html; charset=utf-8', body: await readFile(`${PAGE_DIR}index.html`, 'utf8') }),
    '/style.css': async () => ({ type: 'text/css; charset=utf-8', body: await readFile(`${PAGE_DIR}style.css`, 'utf8') }),
    '/app.js': async () => ({ type: 'text/javascript; charset=utf-8', body: await script }),
    '/config.json': async () => ({ type: 'application/json', body: JSON.stringify(o.page) }),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const route = req.method === 'GET' || req.method === 'HEAD' ? routes[new URL(req.url ?? '/', 'http://x').pathname] : undefined;
    if (route === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: the visualizer serves /\n');
      return;
    }
    route().then(
      ({ type, body }) => res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store', 'Content-Security-Policy': csp }).end(req.method === 'HEAD' ? undefined : body),
      (e: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`the visualizer could not serve ${req.url}: ${(e as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE' ? new UiPortInUseError(o.port) : e));
    server.listen(o.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
