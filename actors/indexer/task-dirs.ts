import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { taskArg } from '../../src/tasks/process-protocol.ts';

/**
 * An indexer's scratch space: `<work>/<indexerId>/<taskId>/` per task, with `<taskId>.pid`
 * beside it while its process runs. What a previous run of the same indexer left there (after a
 * kill -9, say) tells it which task processes may still be running.
 */
export class TaskDirs {
  readonly root: string;

  constructor(workRoot: string, indexerId: string) {
    this.root = join(workRoot, indexerId);
  }

  workDirOf(taskId: string): string {
    return join(this.root, taskId);
  }

  private pidFileOf(taskId: string): string {
    return join(this.root, `${taskId}.pid`);
  }

  async create(taskId: string): Promise<string> {
    const dir = this.workDirOf(taskId);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async recordPid(taskId: string, pid: number): Promise<void> {
    await writeFile(this.pidFileOf(taskId), String(pid));
  }

  async remove(taskId: string): Promise<void> {
    await rm(this.pidFileOf(taskId), { force: true });
    await rm(this.workDirOf(taskId), { recursive: true, force: true });
  }

  /**
   * Kills the task processes a previous run left behind (a task process normally exits by itself
   * when its indexer goes, but one stuck in a long computation may not notice), then clears the
   * scratch space. Returns the tasks whose processes it killed.
   */
  async sweep(): Promise<string[]> {
    const entries = await readdir(this.root).catch(() => [] as string[]);
    const killed: string[] = [];
    for (const name of entries.filter((n) => n.endsWith('.pid'))) {
      const taskId = name.slice(0, -'.pid'.length);
      const pid = Number((await readFile(join(this.root, name), 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && isTaskProcess(pid, taskId)) {
        try {
          process.kill(pid, 'SIGKILL');
          killed.push(taskId);
        } catch {
          // Gone in the meantime.
        }
      }
    }
    await rm(this.root, { recursive: true, force: true });
    await mkdir(this.root, { recursive: true });
    return killed;
  }
}

/** Whether `pid` is still that task's process, not another process that reuses the number (Linux /proc). */
function isTaskProcess(pid: number, taskId: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(taskArg(taskId));
  } catch {
    return false;
  }
}
