import type { Command } from 'commander';
import { request } from '../../bus/client.ts';
import { API } from '../../bus/subjects.ts';
import type { SupervisorStatus } from '../../supervisor/status.ts';
import { withCommonFlags, type CommonFlags } from '../options.ts';
import { asClient, readJsonArgument, table } from './query-client.ts';

/** `grove supervisor submit|status|list|suspend|resume|reset|terminate`: streaming supervisors (grove.api.supervisor.*). */
export function supervisorCommand(program: Command): void {
  const supervisor = program.command('supervisor').description('streaming supervisors (Druid\'s, with a JetStream stream for Kafka\'s topic)');

  withCommonFlags(supervisor.command('submit').argument('<spec>', 'a supervisor spec JSON file, -, or the JSON itself').description('submit or update a supervisor (its id is its datasource)'))
    .action(async (source: string, flags: CommonFlags) => {
      const spec = await readJsonArgument(source);
      const { supervisorId } = await asClient(flags, (nc) => request<{ supervisorId: string }>(nc, API.supervisorSubmit, spec));
      console.log(supervisorId);
    });

  withCommonFlags(supervisor.command('status').argument('<supervisorId>').description('state, task groups, offsets and lag'))
    .option('--json', 'print JSON')
    .action(async (supervisorId: string, flags: CommonFlags & { json?: boolean }) => {
      const s = await asClient(flags, (nc) => request<SupervisorStatus>(nc, API.supervisorStatus, { supervisorId }));
      if (flags.json) console.log(JSON.stringify(s, null, 2));
      else console.log(describeStatus(s));
    });

  withCommonFlags(supervisor.command('list').description('supervisors not terminated'))
    .option('--json', 'print JSON')
    .action(async (flags: CommonFlags & { json?: boolean }) => {
      const list = await asClient(flags, (nc) => request<Array<{ supervisorId: string; state: string; stream: string; push: boolean }>>(nc, API.supervisorList, {}));
      if (flags.json) console.log(JSON.stringify(list, null, 2));
      else console.log(table(['supervisor', 'state', 'stream'], list.map((s) => [s.supervisorId, s.state, s.push ? `${s.stream} (push)` : s.stream])));
    });

  const actions: Array<[string, string, string]> = [
    ['suspend', API.supervisorSuspend, 'publish what the groups read and launch nothing until resumed'],
    ['resume', API.supervisorResume, 'launch groups again'],
    ['reset', API.supervisorReset, 'stop every group and forget the committed offsets (read again from the earliest or latest sequence)'],
    ['terminate', API.supervisorTerminate, 'publish what the groups read and stop for good (the id may be submitted again)'],
  ];
  for (const [name, subject, description] of actions) {
    withCommonFlags(supervisor.command(name).argument('<supervisorId>').description(description))
      .action(async (supervisorId: string, flags: CommonFlags) => {
        await asClient(flags, (nc) => request(nc, subject, { supervisorId }));
        console.log(`${name}: ${supervisorId}`);
      });
  }
}

function describeStatus(s: SupervisorStatus): string {
  const head = `${s.supervisorId}: ${s.state} (${s.detailedState})${s.unhealthyReason ? ` — ${s.unhealthyReason}` : ''}\n`
    + `stream ${s.stream}, partitions ${s.subjectPrefix}.{${s.partitions.join(',')}}, taskCount ${s.taskCount}, replicas ${s.replicas}, taskDuration ${s.durationSeconds}s`
    + `${s.aggregateLag !== undefined ? `, lag ${s.aggregateLag}` : ''}\ncommitted ${JSON.stringify(s.committedOffsets)}`;
  const rows = s.taskGroups.map((g) => [g.groupId, g.status, g.partitions.join(','), JSON.stringify(g.startOffsets), g.endOffsets ? JSON.stringify(g.endOffsets) : JSON.stringify(g.currentOffsets ?? {}), g.tasks.map((t) => `${t.taskId}:${t.state}`).join(' ')]);
  return rows.length === 0 ? head : `${head}\n\n${table(['group', 'status', 'partitions', 'start', 'end/current', 'tasks'], rows)}`;
}
