import { expect } from 'vitest';
import type { MachineKind } from '../../machines/index.ts';
import type { GroveEvent } from '../../src/events/catalog.ts';
import { FOLDERS, IllegalFactError, stateName, type EntityFolder, type EntitySnapshot } from '../../src/projections/machine-fold.ts';

/**
 * Given/when/then specs of a machine's rules, through the projection's folder (so through the
 * metastore's legality check, `canApply`):
 * `spec.given([facts]).when(fact).then('published.used.available')` or `.thenRejects()`.
 * Every given fact must be legal; `then` returns the snapshot for further expectations.
 */
export function machineSpec<K extends MachineKind>(kind: K, id: string) {
  const folder: EntityFolder<MachineKind> = FOLDERS[kind];
  return {
    given(facts: readonly GroveEvent[]) {
      let before = folder.initial(id);
      for (const fact of facts) before = folder.apply(before, fact);
      const where = `${kind} in ${stateName(before.value)}`;
      return {
        when(fact: GroveEvent) {
          return {
            then(expected: string): EntitySnapshot<K> {
              expect(folder.canApply(before, fact), `${where} accepts ${fact.type}`).toBe(true);
              const after = folder.apply(before, fact);
              expect(stateName(after.value)).toBe(expected);
              return after as EntitySnapshot<K>;
            },
            thenRejects(): void {
              expect(folder.canApply(before, fact), `${where} rejects ${fact.type}`).toBe(false);
              expect(() => folder.apply(before, fact)).toThrow(IllegalFactError);
            },
          };
        },
      };
    },
  };
}
