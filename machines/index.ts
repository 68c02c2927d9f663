import { handoffMachine } from './handoff/machine.ts';
import { lockMachine } from './lock/machine.ts';
import { replicaMachine } from './replica/machine.ts';
import { segmentMachine } from './segment/machine.ts';
import { supervisorMachine } from './supervisor/machine.ts';
import { taskMachine } from './task/machine.ts';

/** Every lifecycle machine, by the kind of entity it models. */
export const MACHINES = {
  segment: segmentMachine,
  replica: replicaMachine,
  task: taskMachine,
  lock: lockMachine,
  handoff: handoffMachine,
  supervisor: supervisorMachine,
} as const;

export type MachineKind = keyof typeof MACHINES;
export type MachineOf<K extends MachineKind> = (typeof MACHINES)[K];

export const MACHINE_KINDS = Object.keys(MACHINES) as MachineKind[];
