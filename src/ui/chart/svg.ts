import { attrs, esc, round } from '../svg.ts';
import { HEADER_HEIGHT, LINE_HEIGHT, type ChartLayout, type PlacedEdge, type PlacedState, type Point } from './layout.ts';

/**
 * A laid-out statechart as SVG markup. Every state is a `g.state[data-path]` with a count badge,
 * every transition a `g.edge[data-key]`, so the page lights up states and transitions, and sets
 * counts, by attribute. Pure.
 */
export function chartSvg(kind: string, layout: ChartLayout): string {
  const w = Math.ceil(layout.width);
  const h = Math.ceil(layout.height);
  return [
    `<svg ${attrs({ class: 'chart', 'data-kind': kind, viewBox: `0 0 ${w} ${h}`, width: w, height: h, xmlns: 'http://www.w3.org/2000/svg' })}>`,
    `<defs><marker id="arrow-${esc(kind)}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>`,
    '<g class="states">', ...layout.states.map(stateSvg), '</g>',
    '<g class="edges">', ...layout.edges.map((e) => edgeSvg(kind, e)), '</g>',
    '<g class="initials">', ...layout.initials.map((p) => `<circle ${attrs({ cx: round(p.x), cy: round(p.y), r: 5 })}/>`), '</g>',
    '</svg>',
  ].join('\n');
}

function stateSvg(p: PlacedState): string {
  const { state: s } = p;
  const kind = s.type === 'final' ? 'final' : s.children.length > 0 ? 'compound' : 'atomic';
  const box = { x: round(p.x), y: round(p.y), width: round(p.width), height: round(p.height), rx: 8 };
  const inner = s.type === 'final' ? `<rect class="inner" ${attrs({ x: box.x + 3, y: box.y + 3, width: box.width - 6, height: box.height - 6, rx: 6 })}/>` : '';
  const lines = s.internal.map((text, i) => `<text class="internal" ${attrs({ x: box.x + 10, y: box.y + HEADER_HEIGHT + 10 + i * LINE_HEIGHT })}>${esc(text)}</text>`);
  return [
    `<g ${attrs({ class: `state ${kind}`, 'data-path': s.path, 'data-count': 0 })}>`,
    `<title>${esc(s.path)}${s.tags.length > 0 ? ` (${esc(s.tags.join(', '))})` : ''}</title>`,
    `<rect class="box" ${attrs(box)}/>`, inner,
    `<text class="name" ${attrs({ x: box.x + 10, y: box.y + 16 })}>${esc(s.key)}</text>`,
    `<text class="count" ${attrs({ x: box.x + box.width - 10, y: box.y + 16, 'text-anchor': 'end' })}>0</text>`,
    ...lines,
    '</g>',
  ].join('');
}

const pathOf = (points: Point[]): string => points.map((p, i) => `${i === 0 ? 'M' : 'L'}${round(p.x)},${round(p.y)}`).join(' ');

function edgeSvg(kind: string, e: PlacedEdge): string {
  const line = `<path ${attrs({ d: pathOf(e.points), 'marker-end': `url(#arrow-${kind})` })}/>`;
  if (e.edge === null) return `<g class="edge initial">${line}</g>`;
  const label = e.label === null ? '' : `<text class="label" ${attrs({ x: round(e.label.x), y: round(e.label.y + 11) })}>${esc(e.label.text)}</text>`;
  return `<g ${attrs({ class: 'edge', 'data-key': e.edge.key, 'data-event': e.edge.event })}><title>${esc(`${e.edge.source} → ${e.edge.target} on ${e.edge.label}`)}</title>${line}${label}</g>`;
}
