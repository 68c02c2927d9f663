import type { MachineDefinition } from '../../../actors/metastore/replay-api.ts';
import type { Explanation } from '../../replay/replayer.ts';
import { newElk } from '../chart/elk.ts';
import { layoutChart } from '../chart/layout.ts';
import { activePaths, chartOf, countsByState, transitionKey, type ChartModel } from '../chart/statechart.ts';
import { chartSvg } from '../chart/svg.ts';
import { esc } from '../svg.ts';

/** Charts wider than this take a whole row of the grid. */
const WIDE = 900;

/**
 * Drawings scale down to fit their box, never up: the stylesheet makes them as wide as the box,
 * and this caps them at their own width (the page's security policy allows no inline styles).
 */
export function fitNoLarger(box: HTMLElement): void {
  const svg = box.querySelector('svg');
  if (svg !== null) svg.style.maxWidth = `${svg.getAttribute('width')}px`;
}

/** One card per machine: its statechart, its counts, and the followed entity lit up in it. */
export class Charts {
  private readonly models = new Map<string, ChartModel>();

  constructor(private readonly root: HTMLElement) {}

  /** Lays out every machine (elkjs, in the page) and draws it. */
  async build(machines: MachineDefinition[]): Promise<void> {
    const elk = newElk();
    this.root.innerHTML = machines.map((m) => `<section class="card machine" data-kind="${esc(m.kind)}"><h2>${esc(m.kind)} <span class="total" data-total="0">0</span><span class="following"></span></h2><div class="drawing" title="click: actual size / fit">laying out ...</div></section>`).join('');
    // A chart fits its card; a click shows it at actual size (and back).
    this.root.addEventListener('click', (e) => (e.target as Element).closest('.drawing')?.classList.toggle('actual'));
    for (const m of machines) {
      const model = chartOf(m.kind, m.definition);
      this.models.set(m.kind, model);
      const layout = await layoutChart(model, elk);
      const card = this.card(m.kind);
      card.classList.toggle('wide', layout.width > WIDE);
      const drawing = card.querySelector<HTMLElement>('.drawing')!;
      drawing.innerHTML = chartSvg(m.kind, layout);
      fitNoLarger(drawing);
    }
  }

  private card(kind: string): HTMLElement {
    return this.root.querySelector(`section.machine[data-kind="${CSS.escape(kind)}"]`)!;
  }

  /** Entities per state (dotted state names), per machine kind. */
  setCounts(counts: Record<string, Record<string, number>>): void {
    for (const [kind, model] of this.models) {
      const card = this.card(kind);
      const byState = countsByState(model, counts[kind] ?? {});
      for (const g of Array.from(card.querySelectorAll<SVGGElement>('g.state'))) {
        const n = byState.get(g.dataset.path!) ?? 0;
        g.dataset.count = String(n);
        g.classList.toggle('occupied', n > 0);
        g.querySelector('text.count')!.textContent = String(n);
      }
      const total = card.querySelector<HTMLElement>('.total')!;
      total.dataset.total = String(byState.get('') ?? 0);
      total.textContent = `${byState.get('') ?? 0}`;
    }
  }

  /** Lights the entity's state and the transitions its history took (the last one most). */
  follow(e: Explanation | null): void {
    this.root.querySelectorAll('.current, .taken, .last').forEach((el) => el.classList.remove('current', 'taken', 'last'));
    this.root.querySelectorAll('.following').forEach((el) => (el.textContent = ''));
    if (e === null) return;
    const card = this.card(e.kind);
    card.querySelector('.following')!.textContent = ` following ${e.id}: ${e.state}`;
    for (const path of activePaths(e.state)) card.querySelector(`g.state[data-path="${CSS.escape(path)}"]`)?.classList.add('current');
    const keys = e.steps.flatMap((s) => (s.transition === null ? [] : s.transition.targets.map((t) => transitionKey(s.transition!.source, s.transition!.event, s.transition!.guard, t))));
    keys.forEach((key, i) => card.querySelector(`g.edge[data-key="${CSS.escape(key)}"]`)?.classList.add('taken', ...(i === keys.length - 1 ? ['last'] : [])));
  }

  reveal(kind: string): void {
    this.card(kind).scrollIntoView({ block: 'nearest' });
  }
}
