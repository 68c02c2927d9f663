/**
 * How guards and actions are named, alike in a live machine and in its `toJSON()`: a named one
 * is its name (or `{ type }` with params); an inline function has no name worth showing.
 */
export function refName(ref: unknown): string {
  if (typeof ref === 'string') return ref;
  if (typeof ref === 'object' && ref !== null && typeof (ref as { type?: unknown }).type === 'string') return (ref as { type: string }).type;
  return 'inline';
}

/** A state node id without its machine's id: `segment.published.used` -> `published.used`. */
export function statePath(nodeId: string, machineId: string): string {
  const id = nodeId.startsWith('#') ? nodeId.slice(1) : nodeId;
  return id === machineId ? '' : id.startsWith(`${machineId}.`) ? id.slice(machineId.length + 1) : id;
}
