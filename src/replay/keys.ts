import type { GroveEvent } from '../events/catalog.ts';
import { entityKeysOf } from '../events/entity-keys.ts';

/** The entity keys the log indexes a record under (what `EventLog.open` is given). */
export const keysOf = (type: string, data: unknown): string[] => entityKeysOf({ type, data } as GroveEvent);
