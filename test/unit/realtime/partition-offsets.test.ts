import { describe, expect, it } from 'vitest';
import { PartitionProgress } from '../../../src/realtime/partition-offsets.ts';
import { thrownBy } from '../../support/grove-errors.ts';

/** Offsets of a task reading partitions 0 and 1 of a stream whose sequences are shared by both. */
const reading = () => new PartitionProgress({ 0: 10, 1: 12 });

describe('what a realtime task has read of each partition', () => {
  it('the next sequence to read moves past each message indexed, over the gaps the other partition leaves', () => {
    const o = reading();
    expect(o.verdict('0', 11)).toBe('index');
    o.read('0', 11);
    expect(o.verdict('0', 14)).toBe('index');
    o.read('0', 14);
    expect(o.offsets()).toEqual({ 0: 15, 1: 12 });
  });

  it('a message delivered again is skipped, so nothing is counted twice', () => {
    const o = reading();
    o.read('1', 20);
    expect(o.verdict('1', 20)).toBe('skip');
    expect(o.verdict('1', 13)).toBe('skip');
  });

  it('a message at or past the end is not indexed, and its partition is then done at exactly the end', () => {
    const o = reading();
    o.setEnd({ 0: 15, 1: 12 });
    expect(o.done('1')).toBe(true);
    expect(o.done('0')).toBe(false);
    expect(o.verdict('0', 17)).toBe('beyondEnd');
    expect(o.offsets()).toEqual({ 0: 15, 1: 12 });
    expect(o.allDone()).toBe(true);
  });

  it('a partition with nothing left before its end is done once the stream says so', () => {
    const o = reading();
    o.setEnd({ 0: 30, 1: 12 });
    o.reachEnd('0');
    expect(o.offsets()).toEqual({ 0: 30, 1: 12 });
    expect(o.allDone()).toBe(true);
  });

  it('the same end twice is fine; another end once set is a conflict', () => {
    const o = reading();
    o.setEnd({ 0: 15, 1: 20 });
    o.setEnd({ 0: 15, 1: 20 });
    expect(thrownBy(() => o.setEnd({ 0: 16, 1: 20 }))).toMatchObject({ code: 'conflict' });
  });

  it('an end behind what was read is a conflict; one naming other partitions is a bad request', () => {
    const o = reading();
    o.read('0', 40);
    expect(thrownBy(() => o.setEnd({ 0: 30, 1: 12 }))).toMatchObject({ code: 'conflict', message: expect.stringContaining('end.0: 30 is before 41') });
    expect(thrownBy(() => o.setEnd({ 0: 50, 2: 12 }))).toMatchObject({ code: 'bad_request', details: [{ path: 'end.1', reason: 'missing: the task reads this partition' }, { path: 'end.2', reason: 'the task does not read this partition' }] });
    expect(o.end).toBeNull();
  });
});
