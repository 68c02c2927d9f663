import type { TimelineChunk, TimelinePartition, TimelineView } from '../../replay/timeline-view.ts';
import { attrs, esc, round } from '../svg.ts';

/**
 * A datasource's timeline as SVG: time chunks across (one column between each two boundaries),
 * versions stacked (newest on top), partitions as cells inside each chunk; overshadowed and unused
 * chunks faded, missing core partitions dashed, realtime segments striped; at the bottom, what a
 * query reads. Pure.
 */

const COL = 150;
const LEFT = 220;
const TOP = 44;
const ROW = 38;

/** A boundary for people: the date alone at midnight, else date and time. */
function instantLabel(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 16).replace('T', ' ');
}

/** Text cut to what fits `px` of 10px monospace. */
function fit(text: string, px: number): string {
  const chars = Math.max(1, Math.floor(px / 6.1));
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}…`;
}

function chunkClass(c: TimelineChunk): string {
  return ['chunk', c.visibleOn.length > 0 ? 'visible' : '', c.overshadowed ? 'overshadowed' : '', c.used ? '' : 'unused', c.complete ? '' : 'incomplete'].filter(Boolean).join(' ');
}

function cellClass(p: TimelinePartition): string {
  return ['cell', p.realtime ? 'realtime' : '', p.used ? 'used' : 'unused', p.available ? 'available' : 'unavailable'].filter(Boolean).join(' ');
}

export function timelineSvg(view: TimelineView): string {
  if (view.chunks.length === 0) return `<p class="empty">${esc(view.dataSource)} has no segments as of seq ${view.at}.</p>`;
  const bounds = [...new Set(view.chunks.flatMap((c) => [c.start, c.end]))].sort((a, b) => a - b);
  const col = new Map(bounds.map((b, i) => [b, i]));
  const versions = [...new Set(view.chunks.map((c) => c.version))].sort().reverse();
  const row = new Map(versions.map((v, i) => [v, i]));
  const x = (t: number): number => LEFT + col.get(t)! * COL;
  const bottom = TOP + versions.length * ROW;
  const width = LEFT + (bounds.length - 1) * COL + 60;
  const height = bottom + 64;
  const axis = bounds.map((b) => `<line class="grid" ${attrs({ x1: x(b), y1: TOP - 8, x2: x(b), y2: bottom + 36 })}/><text class="tick" ${attrs({ x: x(b), y: TOP - 14, 'text-anchor': 'middle' })}>${esc(instantLabel(b))}</text>`);
  const labels = versions.map((v, i) => `<text class="version" ${attrs({ x: LEFT - 10, y: TOP + i * ROW + ROW / 2 + 4, 'text-anchor': 'end' })}>${esc(v)}</text>`);
  const chunks = view.chunks.map((c) => chunkSvg(c, x(c.start) + 3, TOP + row.get(c.version)! * ROW + 4, x(c.end) - x(c.start) - 6, ROW - 8));
  const reads = view.visible.map((v) => {
    const [x1, x2] = [x(v.start) ?? LEFT, x(v.end) ?? LEFT];
    return `<g ${attrs({ class: 'read', 'data-interval': v.interval, 'data-version': v.version })}><rect ${attrs({ x: x1 + 3, y: bottom + 14, width: x2 - x1 - 6, height: 20, rx: 4 })}/><text ${attrs({ x: (x1 + x2) / 2, y: bottom + 28, 'text-anchor': 'middle' })}>${esc(fit(v.version, x2 - x1 - 10))}</text><title>${esc(`${v.interval}: version ${v.version}`)}</title></g>`;
  });
  return [
    `<svg ${attrs({ class: 'timeline', 'data-datasource': view.dataSource, 'data-at': view.at, viewBox: `0 0 ${width} ${height}`, width, height, xmlns: 'http://www.w3.org/2000/svg' })}>`,
    '<defs><pattern id="realtime-stripes" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" class="rt-bg"/><line x1="0" y1="0" x2="0" y2="8" class="rt-stripe"/></pattern></defs>',
    ...axis, ...labels, ...chunks,
    `<text class="lane" ${attrs({ x: LEFT - 10, y: bottom + 28, 'text-anchor': 'end' })}>queries read</text>`,
    ...reads,
    '</svg>',
  ].join('\n');
}

function chunkSvg(c: TimelineChunk, x: number, y: number, w: number, h: number): string {
  const slots = Math.max(c.corePartitions, ...c.partitions.map((p) => p.partitionNum + 1), 1);
  const cw = w / slots;
  const byNum = new Map(c.partitions.map((p) => [p.partitionNum, p]));
  const cells: string[] = [];
  for (let i = 0; i < slots; i++) {
    const p = byNum.get(i);
    const box = { x: round(x + i * cw + 1), y: y + 1, width: round(Math.max(cw - 2, 1)), height: h - 2, rx: 3 };
    if (p === undefined) {
      if (i < c.corePartitions) cells.push(`<rect class="cell missing" ${attrs(box)}><title>partition ${i}: not published yet</title></rect>`);
      continue;
    }
    const title = `${p.id}\n${p.state}${p.realtime ? ' (realtime)' : ''}${p.servers.length > 0 ? `\nserved by ${p.servers.join(', ')}` : ''}${p.rows !== null ? `\n${p.rows} rows` : ''}`;
    cells.push(`<g ${attrs({ class: cellClass(p), 'data-segment': p.id, 'data-state': p.state, 'data-partition': p.partitionNum, 'data-realtime': String(p.realtime) })}><rect ${attrs(box)}/>${p.realtime ? `<text ${attrs({ x: round(box.x + box.width / 2), y: y + h / 2 + 4, 'text-anchor': 'middle' })}>RT</text>` : ''}<title>${esc(title)}</title></g>`);
  }
  const status = [c.complete ? `${c.partitions.length} partition(s)` : `incomplete: ${c.partitions.filter((p) => p.partitionNum < c.corePartitions).length}/${c.corePartitions} core`, c.overshadowed ? 'overshadowed' : '', c.used ? '' : 'unused'].filter(Boolean).join(', ');
  return [
    `<g ${attrs({ class: chunkClass(c), 'data-interval': c.interval, 'data-version': c.version, 'data-complete': String(c.complete), 'data-overshadowed': String(c.overshadowed), 'data-used': String(c.used), 'data-visible': String(c.visibleOn.length > 0) })}>`,
    `<title>${esc(`${c.interval}\nversion ${c.version}\n${status}`)}</title>`,
    `<rect class="frame" ${attrs({ x: round(x), y, width: round(w), height: h, rx: 4 })}/>`,
    ...cells,
    '</g>',
  ].join('');
}
