import type { MachineDefinition } from '../../../actors/metastore/replay-api.ts';
import { API } from '../../bus/subjects.ts';
import type { CountsView, Explanation, SearchHit, StateView } from '../../replay/replayer.ts';
import type { TimelineView } from '../../replay/timeline-view.ts';
import { timelineSvg } from '../timeline/svg.ts';
import { esc } from '../svg.ts';
import { PageBus, type PageConfig } from './bus.ts';
import { Charts, fitNoLarger } from './charts.ts';
import { hitsHtml, historyHtml } from './follow.ts';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/**
 * The visualizer: every view shows the log as of one point, the slider's — replayed by the
 * metastore from the log (`grove.api.replay.*`), never a copy kept here. Live, the point follows
 * the log's head as events arrive on `grove.event.>`.
 */
class Visualizer {
  private head = 0;
  private live = true;
  private followed: { kind: string; id: string } | null = null;
  private dataSource: string | null = null;
  /** The followed entity's datasource when it was last shown (picking another one sticks). */
  private followedDataSource: string | null = null;
  /** Each refresh is numbered; an answer to an older one is dropped. */
  private generation = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly charts = new Charts($('machines'));
  private readonly slider = $<HTMLInputElement>('slider');

  constructor(private readonly bus: PageBus) {}

  async start(): Promise<void> {
    await this.charts.build(await this.bus.request<MachineDefinition[]>(API.machinesList, {}));
    this.bus.onRecord((r) => this.arrived(r.seq));
    this.head = (await this.bus.request<{ lastSeq: number }>(API.status, {})).lastSeq;
    this.wire();
    await this.refresh();
  }

  private wire(): void {
    this.slider.addEventListener('input', () => this.showPoint(Number(this.slider.value), null));
    this.slider.addEventListener('change', () => this.travel(Number(this.slider.value)));
    $('live').addEventListener('click', () => this.goLive());
    $('search').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.search($<HTMLInputElement>('query').value);
    });
    $('hits').addEventListener('click', (e) => {
      const b = (e.target as HTMLElement).closest('button');
      if (b !== null) this.pick({ kind: b.dataset.kind!, id: b.dataset.id! });
    });
    $('entity').addEventListener('click', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('tr[data-seq]');
      if (row !== null) this.travel(Number(row.dataset.seq));
    });
    $<HTMLSelectElement>('datasource').addEventListener('change', (e) => {
      this.dataSource = (e.target as HTMLSelectElement).value;
      this.schedule(0);
    });
  }

  private arrived(seq: number): void {
    if (seq <= this.head) return;
    this.head = seq;
    this.slider.max = String(seq);
    if (this.live) this.schedule(150);
    else this.showPoint(Number(this.slider.value), null);
  }

  /** Shows the log as of `seq` (leaving live mode unless it is the head). */
  private travel(seq: number): void {
    this.live = seq >= this.head;
    $('live').classList.toggle('on', this.live);
    this.slider.value = String(seq);
    this.schedule(0);
  }

  private goLive(): void {
    this.travel(this.head);
  }

  private schedule(delayMs: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), delayMs);
  }

  private get point(): number {
    return this.live ? this.head : Math.min(Number(this.slider.value), this.head);
  }

  private showPoint(seq: number, time: number | null): void {
    const when = time === null ? '' : ` · ${new Date(time).toISOString()}`;
    $('point').textContent = `seq ${seq} of ${this.head}${when}${this.live ? ' · live' : ''}`;
  }

  /** Replays every view as of the point. */
  private async refresh(): Promise<void> {
    const generation = ++this.generation;
    const at = this.point;
    document.body.dataset.busy = 'true';
    try {
      const [counts, entity, datasources] = await Promise.all([
        this.bus.request<CountsView>(API.replayCounts, { at }),
        this.followed === null ? null : this.bus.request<Explanation>(API.replayExplain, { ...this.followed, at }),
        this.bus.request<SearchHit[]>(API.replaySearch, { query: '' }),
      ]);
      this.pickDataSource(datasources.map((h) => h.id), (entity?.context as { dataSource?: string } | null)?.dataSource);
      const timeline = this.dataSource === null ? null : await this.bus.request<StateView>(API.replayState, { kind: 'timeline', id: this.dataSource, at });
      if (generation !== this.generation) return;
      this.slider.max = String(this.head);
      this.slider.value = String(at);
      this.showPoint(at, counts.time);
      this.charts.setCounts(counts.counts);
      this.charts.follow(entity);
      if (entity !== null) $('entity').innerHTML = historyHtml(entity);
      $('picture').innerHTML = timeline === null ? '<p class="none">No datasource yet.</p>' : timelineSvg(timeline as TimelineView);
      fitNoLarger($('picture'));
      this.hideError();
      document.body.dataset.at = String(at);
    } catch (e) {
      this.showError(e);
    } finally {
      if (generation === this.generation) document.body.dataset.busy = 'false';
    }
  }

  /** The datasource shown: the one picked, else the followed entity's, else the first. */
  private pickDataSource(names: string[], ofFollowed: string | undefined): void {
    const select = $<HTMLSelectElement>('datasource');
    if (ofFollowed !== undefined && names.includes(ofFollowed) && this.followedDataSource !== ofFollowed) this.dataSource = this.followedDataSource = ofFollowed;
    if (this.dataSource === null || !names.includes(this.dataSource)) this.dataSource = names[0] ?? this.dataSource;
    const options = names.map((n) => `<option value="${esc(n)}"${n === this.dataSource ? ' selected' : ''}>${esc(n)}</option>`).join('');
    if (select.innerHTML !== options) select.innerHTML = options;
  }

  private async search(query: string): Promise<void> {
    try {
      const hits = await this.bus.request<SearchHit[]>(API.replaySearch, { query: query.trim(), limit: 60 });
      $('hits').innerHTML = hitsHtml(hits);
      const exact = hits.find((h) => h.id === query.trim() && h.kind !== 'datasource');
      if (exact !== undefined) this.pick(exact);
    } catch (e) {
      this.showError(e);
    }
  }

  /** A datasource shows its timeline; a segment, task or lock is followed through its chart. */
  private pick(hit: { kind: string; id: string }): void {
    if (hit.kind === 'datasource') {
      this.dataSource = hit.id;
    } else {
      this.followed = hit;
      this.charts.reveal(hit.kind);
    }
    this.schedule(0);
  }

  private showError(e: unknown): void {
    const el = $('error');
    el.textContent = (e as Error)?.message ?? String(e);
    el.hidden = false;
  }

  private hideError(): void {
    $('error').hidden = true;
  }
}

async function main(): Promise<void> {
  const status = $('connection');
  try {
    const config = (await (await fetch('/config.json')).json()) as PageConfig;
    const bus = await PageBus.open(config, (text, ok) => {
      status.textContent = text;
      status.className = `status ${ok ? 'ok' : 'down'}`;
    });
    await new Visualizer(bus).start();
  } catch (e) {
    status.textContent = `cannot reach grove: ${(e as Error).message}`;
    status.className = 'status down';
  }
}

void main();
