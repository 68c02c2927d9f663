import { existsSync, readFileSync } from 'node:fs';

/**
 * The pid an indexer wrote for a task, or null while there is none. A pid file can exist before its
 * number is written, and an empty read is pid 0: a signal to pid 0 reaches this whole process group.
 */
export function pidIn(file: string): number | null {
  const pid = existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0;
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}
