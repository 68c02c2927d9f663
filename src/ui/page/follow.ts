import type { HistoryStep } from '../../replay/entity.ts';
import type { Explanation, SearchHit } from '../../replay/replayer.ts';
import { esc } from '../svg.ts';

/** The time of day (the whole instant is the row's tooltip). */
const time = (ms: number): string => new Date(ms).toISOString().slice(11, 23);

/** Why a step went where it went, in a few words (the guard, those refused, or the rule). */
function decided(s: HistoryStep): string {
  const t = s.transition;
  const parts = [
    s.effect === 'related' ? 'another machine\'s fact' : '',
    t !== null && t.refused.length > 0 ? `[${t.refused.join(', ')}] refused` : '',
    t !== null && t.guard !== null ? `[${t.guard}]` : '',
    s.rule !== undefined ? `rule ${s.rule}` : '',
  ];
  return parts.filter(Boolean).join('; ');
}

/** The search results: datasources pick the timeline, entities are followed. */
export function hitsHtml(hits: SearchHit[]): string {
  if (hits.length === 0) return '<li class="none">nothing found</li>';
  return hits.map((h) => `<li><button type="button" data-kind="${esc(h.kind)}" data-id="${esc(h.id)}"><span class="kind">${esc(h.kind)}</span> ${esc(h.id)}</button></li>`).join('');
}

/** The followed entity: its state as of the point shown, and each event with the transition it caused. */
export function historyHtml(e: Explanation): string {
  // The last step is where the entity stands as of the point shown.
  const rows = e.steps.map((s, i) => `<tr data-seq="${s.seq}" class="${esc(s.effect)}${i === e.steps.length - 1 ? ' current' : ''}" title="go to seq ${s.seq}">
    <td class="seq">${s.seq}</td><td class="time" title="${esc(new Date(s.at).toISOString())}">${esc(time(s.at))}</td><td class="event">${esc(s.type)}</td>
    <td class="move">${s.effect === 'related' ? esc(s.after) : `${esc(s.before)} → <b>${esc(s.after)}</b>`}</td><td class="why">${esc(decided(s))}</td></tr>`);
  return `<h3><span class="kind">${esc(e.kind)}</span> <span class="id">${esc(e.id)}</span></h3>
    <p class="now">as of seq ${e.at}: <b class="state" data-state="${esc(e.state)}">${esc(e.state)}</b></p>
    ${e.steps.length === 0 ? '<p class="none">no event names it yet</p>' : `<table class="history"><thead><tr><th>seq</th><th>time</th><th>event</th><th>transition</th><th>decided by</th></tr></thead><tbody>${rows.join('')}</tbody></table>`}`;
}
