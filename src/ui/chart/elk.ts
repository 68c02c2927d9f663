import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkLayouter } from './layout.ts';

/**
 * elkjs, run in this thread (no web worker: a handful of small charts). Its CommonJS module is
 * both the constructor and its own `default`, which is what TypeScript sees of it.
 */
export function newElk(): ElkLayouter {
  return new ELK.default();
}
