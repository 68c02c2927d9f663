import { Command } from 'commander';
import { datasourcesCommand } from './commands/datasources.ts';
import { ingestCommand } from './commands/ingest.ts';
import { logCommand } from './commands/log.ts';
import { logExportCommand } from './commands/log-export.ts';
import { pushCommand } from './commands/push.ts';
import { queryCommand } from './commands/query.ts';
import { replayCommand } from './commands/replay.ts';
import { rulesCommand } from './commands/rules.ts';
import { segmentsCommand } from './commands/segments.ts';
import { startCommand } from './commands/start.ts';
import { statusCommand } from './commands/status.ts';
import { supervisorCommand } from './commands/supervisor.ts';
import { taskCommand } from './commands/task.ts';
import { uiCommand } from './commands/ui.ts';

const program = new Command('grove')
  .description('grove: Druid-style ingestion and segment management as an event-sourced actor system')
  .version('0.1.0')
  .showHelpAfterError();

startCommand(program);
statusCommand(program);
logCommand(program);
logExportCommand(program);
replayCommand(program);
ingestCommand(program);
taskCommand(program);
queryCommand(program);
segmentsCommand(program);
datasourcesCommand(program);
rulesCommand(program);
supervisorCommand(program);
pushCommand(program);
uiCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  console.error(`grove: ${(e as Error).message}`);
  process.exit(1);
}
