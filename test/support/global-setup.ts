import type { TestProject } from 'vitest/node';
import { startTestNats } from './nats-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    natsUrl: string;
    natsWsPort: number;
  }
}

/** One real nats-server for the whole run; tests that must kill a server start their own. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const nats = await startTestNats();
  project.provide('natsUrl', nats.url);
  project.provide('natsWsPort', nats.wsPort);
  return () => nats.dispose();
}
