import { describe, expect, it } from 'vitest';
import { DivergenceError, IllegalHistoryError } from '../../../src/replay/errors.ts';
import { SliceExporter } from '../../../src/replay/export.ts';
import { keysOf } from '../../../src/replay/keys.ts';
import { Replayer, type EntityState } from '../../../src/replay/replayer.ts';
import { parseSlice, replaySlice, sliceLines, SliceFormatError, type Slice } from '../../../src/replay/slice.ts';
import { MemorySource } from '../../../src/replay/source.ts';
import type { LogRecord } from '../../../src/log/record.ts';
import { DS, OTHER_DS, SEG, scenarioRecords, seqOf } from '../../golden/scenario.ts';

const records = scenarioRecords();
const last = records.length;

function exportSlice(from: number, to: number, dataSource?: string): Slice {
  const exporter = new SliceExporter({ from, to, dataSource });
  for (const r of records) exporter.add(r);
  return exporter.finish(new Date('2024-06-02T00:00:00Z'));
}

const text = (s: Slice): string => [...sliceLines(s)].join('');
/** The slice's text with its records passed through `edit` (as a person would edit the file). */
function edited(s: Slice, edit: (records: LogRecord[]) => LogRecord[]): string {
  return text({ ...s, records: edit(structuredClone(s.records)) });
}

/** The DivergenceError a replay fails with (the test fails if it does not). */
async function divergenceOf(p: Promise<unknown>): Promise<DivergenceError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(DivergenceError);
  return e as DivergenceError;
}

describe('a slice of the log', () => {
  const mid = seqOf(records, (r) => r.type === 'SegmentsMarkedUnused') - 3;

  it('replays from its base to the states it recorded, and answers as the whole log does', async () => {
    const slice = parseSlice(text(exportSlice(mid, last)), 'mid.grovelog');
    expect(slice.records.map((r) => r.seq)).toEqual(records.filter((r) => r.seq >= mid).map((r) => r.seq));
    const fromSlice = await replaySlice(slice);
    const whole = new Replayer(new MemorySource(records, keysOf));
    for (const at of [mid, mid + 4, last]) {
      expect(await fromSlice.state('timeline', DS, at)).toEqual(await whole.state('timeline', DS, at));
      expect(await fromSlice.state('segment', SEG.day1v1p1, at)).toEqual(await whole.state('segment', SEG.day1v1p1, at));
    }
  });

  it('cut to one datasource, keeps its facts and none of another\'s', async () => {
    const slice = exportSlice(1, last, DS);
    expect(slice.records.some((r) => JSON.stringify(r.data).includes(OTHER_DS))).toBe(false);
    // Facts that name only a lock or a task of the datasource belong to it too.
    expect(slice.records.some((r) => r.type === 'LockGranted' && (r.data as { lockId: string }).lockId === 'lockB')).toBe(true);
    const replayer = await replaySlice(parseSlice(text(slice)));
    expect(((await replayer.state('task', 'taskC')) as EntityState).state).toBe('failed');
  });

  it('cut to one datasource from the middle, starts from a base holding only that datasource', async () => {
    const slice = exportSlice(mid, last, DS);
    expect(slice.header.base.entities.segment!.map(([id]) => id)).not.toContain(SEG.koala);
    await expect(replaySlice(parseSlice(text(slice)))).resolves.toBeInstanceOf(Replayer);
  });

  it('cut to one datasource, covers its whole range even past its last record', async () => {
    const koalaPublished = seqOf(records, (r) => r.type === 'SegmentsPublished' && (r.data as { dataSource: string }).dataSource === OTHER_DS);
    const slice = exportSlice(1, koalaPublished, DS);
    expect(slice.records.at(-1)!.seq).toBeLessThan(koalaPublished);
    const replayer = await replaySlice(parseSlice(text(slice)));
    expect(((await replayer.state('segment', SEG.day2v1p0, koalaPublished)) as EntityState).state).toBe('published.used.available');
  });

  it('refuses to replay to a point before its base', async () => {
    const replayer = await replaySlice(exportSlice(mid, last));
    await expect(replayer.state('segment', SEG.day1v1p0, mid - 2)).rejects.toThrow(`seq ${mid - 2} is before this slice begins (it replays from seq ${mid - 1})`);
  });
});

describe('an altered slice fails loudly', () => {
  const slice = exportSlice(1, last);

  it('a removed record: the entities it moved diverge, each named', async () => {
    const loadedV2 = (r: LogRecord) => r.type === 'ReplicaLoaded' && (r.data as { segmentId: string }).segmentId === SEG.day1v2p1;
    const e = await divergenceOf(replaySlice(parseSlice(edited(slice, (rs) => rs.filter((r) => !loadedV2(r))))));
    expect(e.divergences).toEqual(expect.arrayContaining([
      { entity: `segment:${SEG.day1v2p1}`, expected: 'published.used.available', actual: 'published.used.unavailable', fields: [] },
      { entity: `replica:${SEG.day1v2p1}@h1`, expected: 'loaded', actual: 'loading', fields: [] },
    ]));
    expect(e.message).toMatch(/did not reach the states it recorded: 2 entities differ/);
    expect(e.message).toContain(`  segment:${SEG.day1v2p1}: expected published.used.available, replay reached published.used.unavailable`);
  });

  it('a changed fact: the context field that differs is named', async () => {
    const e = await divergenceOf(replaySlice(parseSlice(edited(slice, (rs) => rs.map((r) => {
      if (r.type === 'LockGranted' && (r.data as { lockId: string }).lockId === 'lockB') (r.data as { version: string }).version = '2099-01-01T00:00:00.000Z';
      return r;
    })))));
    expect(e.divergences).toEqual([{ entity: 'lock:lockB', expected: 'released', actual: 'released', fields: ['version'] }]);
  });

  it('a fact the machines cannot take: the replay stops there and says why', async () => {
    const killed = seqOf(records, (r) => r.type === 'SegmentsKilled');
    const e = await divergenceOf(replaySlice(parseSlice(edited(slice, (rs) => rs.filter((r) => r.type !== 'ReplicaDropped')))));
    expect(e).toBeInstanceOf(IllegalHistoryError);
    expect(e.message).toContain(`the history cannot be replayed: seq ${killed} (SegmentsKilled) is not accepted`);
    expect(e.message).toContain('published.unused.available cannot take SegmentsKilled');
  });
});

describe('a malformed slice gets an error naming its line', () => {
  const good = text(exportSlice(1, 5)).split('\n');
  const bad = (lines: string[]) => () => parseSlice(lines.join('\n'), 'x.grovelog');

  it('names what is wrong and where', () => {
    expect(bad(['{"format":"other"}', ...good.slice(1)])).toThrow(/x\.grovelog line 1: not a grovelog header .*format/);
    expect(bad([good[0]!, 'not json', ...good.slice(2)])).toThrow(/x\.grovelog line 2: not JSON/);
    const wrongType = JSON.stringify({ ...JSON.parse(good[1]!), type: 'SegmentsTeleported' });
    expect(bad([good[0]!, wrongType, ...good.slice(2)])).toThrow(/line 2: not a log record: type is not a known event type/);
    const badData = JSON.stringify({ ...JSON.parse(good[1]!), data: { serverId: '' } });
    expect(bad([good[0]!, badData, ...good.slice(2)])).toThrow(/line 2: ServerJoined has bad data: data.serverId/);
    expect(bad([good[0]!, good[2]!, good[1]!, ...good.slice(3)])).toThrow(/line 3: seq 1 does not follow seq 2/);
    expect(bad([good[0]!])).toThrow(SliceFormatError);
  });
});
