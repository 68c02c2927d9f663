/**
 * The task runtime (what the indexer runs, each task in a process of its own). A runner is a
 * module whose default export is a `TaskRunner`: `(ctx: TaskContext) => Promise<TaskOutcome>`,
 * registered by task type in `TASK_RUNNER_MODULES`. It gets the task JSON, an overlord client
 * (lock, allocate, publish, update), deep storage, a scratch directory, a progress sink and an
 * abort signal; it returns `succeeded` with its report or `failed` with a message (or throws).
 * The indexer reports the outcome to the overlord, so a runner never sends `succeeded`/`failed`.
 */
export type { TaskContext, TaskOutcome, TaskProgressReport, TaskRunner } from './task-context.ts';
export { OverlordClient } from './overlord-client.ts';
export { TASK_RUNNER_MODULES, UnknownTaskTypeError, loadRunner, runnerModuleOf, taskTypeOf, type RunnerModules } from './registry.ts';
export { pushAndPublish, pushSegment } from './publish-segments.ts';
export { appending, overwriting, AppendIntervalMismatchError } from './segment-identities.ts';
export { TASK_PROCESS_ENTRY, taskArg, type FromTask, type RunMessage, type TaskUsage, type StopMessage, type ToTask } from './process-protocol.ts';
