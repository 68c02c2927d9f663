/**
 * An indexer alone in a process, as `grove start --actors indexer` runs one, for tests that kill
 * it: `node --import tsx indexer-process.ts <natsUrl> <id> <deepDir> <workRoot> <runnerModule>`.
 */
import { Indexer } from '../../../actors/indexer/indexer.ts';
import { connectBus } from '../../../src/bus/connection.ts';
import { TASK_RUNNER_MODULES } from '../../../src/tasks/registry.ts';
import { TEST_PASSWORDS } from '../../support/nats-server.ts';

const [natsUrl, id, deepStorageDir, workRoot, runnerModule] = process.argv.slice(2) as [string, string, string, string, string];
const nc = await connectBus({ url: natsUrl, user: 'actor', password: TEST_PASSWORDS.actor, name: `test-indexer-${id}`, persistent: true });
const indexer = await Indexer.start({
  nc, id, natsUrl, natsPassword: TEST_PASSWORDS.actor, deepStorageDir, workRoot, maxHeapMb: 256,
  runnerModules: { ...TASK_RUNNER_MODULES, index_parallel: runnerModule },
});
console.log('indexer ready');
process.on('SIGTERM', () => {
  void indexer.stop().then(() => nc.drain()).then(() => process.exit(0));
});
