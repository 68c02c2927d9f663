import { describe, expect, it } from 'vitest';
import { MACHINES, MACHINE_KINDS } from '../../../machines/index.ts';
import { newElk } from '../../../src/ui/chart/elk.ts';
import { layoutChart } from '../../../src/ui/chart/layout.ts';
import { activePaths, chartOf, countsByState, statesOf, transitionKey } from '../../../src/ui/chart/statechart.ts';
import { chartSvg } from '../../../src/ui/chart/svg.ts';

const definition = (kind: keyof typeof MACHINES): unknown => JSON.parse(JSON.stringify(MACHINES[kind].toJSON()));

describe('a statechart read from machine.toJSON()', () => {
  const segment = chartOf('segment', definition('segment'));

  it('keeps the states nested as the machine nests them', () => {
    expect(statesOf(segment).map((s) => s.path)).toEqual([
      'building', 'published', 'published.used', 'published.used.available', 'published.used.unavailable',
      'published.unused', 'published.unused.available', 'published.unused.unavailable', 'abandoned', 'killed',
    ]);
    expect(segment.root.initial).toBe('building');
    expect(statesOf(segment).find((s) => s.path === 'killed')!.type).toBe('final');
  });

  it('labels each transition with its event and guard, one arrow per target', () => {
    const labels = segment.edges.map((e) => `${e.source} -> ${e.target}: ${e.label}`);
    expect(labels).toContain('building -> published.used.available: SegmentsPublished [isServed]');
    expect(labels).toContain('building -> published.used.unavailable: SegmentsPublished');
    expect(labels).toContain('published.used.available -> published.used.unavailable: ReplicaDropped [isLastServer]');
    expect(labels).toContain('published.unused.unavailable -> killed: SegmentsKilled');
  });

  it('lists transitions that stay in their state inside it, with their actions', () => {
    const available = statesOf(segment).find((s) => s.path === 'published.used.available')!;
    expect(available.internal).toEqual(['ReplicaLoaded [isNewServer] / addServer', 'ReplicaDropped / removeServer']);
  });

  it('draws every transition of every machine, as an arrow or inside its state: none is lost', () => {
    for (const kind of MACHINE_KINDS) {
      const model = chartOf(kind, definition(kind));
      const states = new Map(statesOf(model).map((s) => [s.path, s]));
      for (const t of transitionsOf(definition(kind) as NodeJson)) {
        const label = t.guard === null ? t.event : `${t.event} [${t.guard}]`;
        const drawn = t.targets.length === 0
          ? states.get(t.source)!.internal.some((line) => line === label || line.startsWith(`${label} / `))
          : t.targets.every((target) => model.edges.some((e) => e.source === t.source && e.target === target && e.label === label));
        expect(drawn, `${kind}: ${t.source} on ${label}`).toBe(true);
      }
    }
  });

  it('refuses something that is not a machine definition, saying so', () => {
    expect(() => chartOf('x', { nope: 1 })).toThrow('the x machine\'s definition is not a machine.toJSON() (no id or states)');
  });
});

interface NodeJson {
  id: string;
  states?: Record<string, NodeJson>;
  on?: Record<string, Array<{ target?: string[]; guard?: string | { type: string } }>>;
}

/** Every transition in a definition, read straight from its JSON. */
function transitionsOf(root: NodeJson): Array<{ source: string; event: string; guard: string | null; targets: string[] }> {
  const path = (id: string): string => id.replace(/^#/, '').split('.').slice(1).join('.');
  const out: Array<{ source: string; event: string; guard: string | null; targets: string[] }> = [];
  const walk = (n: NodeJson): void => {
    for (const [event, list] of Object.entries(n.on ?? {})) {
      for (const t of list) out.push({ source: path(n.id), event, guard: t.guard === undefined ? null : typeof t.guard === 'string' ? t.guard : t.guard.type, targets: (t.target ?? []).map(path) });
    }
    Object.values(n.states ?? {}).forEach(walk);
  };
  walk(root);
  return out;
}

describe('counts and highlights', () => {
  const segment = chartOf('segment', definition('segment'));

  it('counts each leaf, and sums children into their parents', () => {
    const counts = countsByState(segment, { 'published.used.available': 3, 'published.unused.unavailable': 2, building: 1 });
    expect(counts.get('published.used.available')).toBe(3);
    expect(counts.get('published.used')).toBe(3);
    expect(counts.get('published')).toBe(5);
    expect(counts.get('')).toBe(6);
    expect(counts.get('killed')).toBe(0);
  });

  it('lights a state and every state above it', () => {
    expect(activePaths('published.unused.available')).toEqual(['published', 'published.unused', 'published.unused.available']);
  });
});

describe('a chart laid out by elkjs', () => {
  it('places every state inside its parent and every arrow between its ends', async () => {
    const model = chartOf('segment', definition('segment'));
    const layout = await layoutChart(model, newElk());
    const box = new Map(layout.states.map((p) => [p.state.path, p]));
    expect(box.size).toBe(statesOf(model).length);
    for (const p of layout.states) {
      const parentPath = p.state.path.split('.').slice(0, -1).join('.');
      const parent = box.get(parentPath);
      if (parent === undefined) continue;
      expect(p.x >= parent.x && p.y >= parent.y && p.x + p.width <= parent.x + parent.width && p.y + p.height <= parent.y + parent.height, `${p.state.path} inside ${parentPath}`).toBe(true);
    }
    for (const e of layout.edges.filter((e) => e.edge !== null)) {
      expect(e.points.length, e.edge!.key).toBeGreaterThanOrEqual(2);
      const end = e.points.at(-1)!;
      const target = box.get(e.edge!.target)!;
      const near = end.x >= target.x - 1 && end.x <= target.x + target.width + 1 && end.y >= target.y - 1 && end.y <= target.y + target.height + 1;
      expect(near, `${e.edge!.key} ends on ${e.edge!.target}`).toBe(true);
    }
    // The machine's own initial state, and those of published, used and unused.
    expect(layout.initials).toHaveLength(4);
  });

  it('draws SVG with a group per state and per transition, named as replayed steps name them', async () => {
    const model = chartOf('lock', definition('lock'));
    const svg = chartSvg('lock', await layoutChart(model, newElk()));
    for (const s of statesOf(model)) expect(svg).toContain(`data-path="${s.path}"`);
    expect(svg).toContain(`data-key="${transitionKey('granted', 'LockRevoked', null, 'revoked')}"`);
    expect(svg).toContain('>LockGranted [isRequested]<');
  });
});
