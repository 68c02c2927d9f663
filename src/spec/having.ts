import { z } from 'zod';
import { filterSchema, type Filter } from './filter.ts';
import { nonEmptyString, nullableStringish, requiredNumber, typeError } from './query-fields.ts';

/** Druid's groupBy having specs (docs/querying/having.md). */

export type HavingSpec =
  | { type: 'greaterThan' | 'lessThan' | 'equalTo'; aggregation: string; value: number }
  | { type: 'and' | 'or'; havingSpecs: HavingSpec[] }
  | { type: 'not'; havingSpec: HavingSpec }
  | { type: 'filter'; filter: Filter }
  | { type: 'dimSelector'; dimension: string; value: string | null }
  | { type: 'always' | 'never' };

export const HAVING_TYPES = ['greaterThan', 'lessThan', 'equalTo', 'and', 'or', 'not', 'filter', 'dimSelector', 'always', 'never'] as const;

const comparison = z.object({ type: z.enum(['greaterThan', 'lessThan', 'equalTo']), aggregation: nonEmptyString(), value: requiredNumber() });
const list = z.object({
  type: z.enum(['and', 'or']),
  get havingSpecs() {
    return z.array(havingSchema, { error: (iss) => (iss.input === undefined ? 'required' : 'expected an array of having specs') })
      .min(1, { error: 'needs at least one having spec' });
  },
});
const not = z.object({ type: z.literal('not'), get havingSpec() { return havingSchema; } });
const filter = z.object({ type: z.literal('filter'), get filter() { return filterSchema; } });
const dimSelector = z.object({
  type: z.literal('dimSelector'),
  dimension: nonEmptyString(),
  value: nullableStringish().optional().transform((v) => v ?? null),
});
const constant = z.object({ type: z.enum(['always', 'never']) });

export const havingSchema: z.ZodType<HavingSpec, unknown> = z.lazy(() =>
  z.discriminatedUnion('type', [comparison, list, not, filter, dimSelector, constant], { error: typeError('having', HAVING_TYPES) }),
);

/** The output names a having spec reads (aggregations and dimensions), with their paths. */
export function havingInputs(spec: HavingSpec, path: Array<string | number> = []): Array<{ name: string; path: Array<string | number> }> {
  switch (spec.type) {
    case 'greaterThan':
    case 'lessThan':
    case 'equalTo':
      return [{ name: spec.aggregation, path: [...path, 'aggregation'] }];
    case 'and':
    case 'or':
      return spec.havingSpecs.flatMap((h, i) => havingInputs(h, [...path, 'havingSpecs', i]));
    case 'not':
      return havingInputs(spec.havingSpec, [...path, 'havingSpec']);
    case 'dimSelector':
      return [{ name: spec.dimension, path: [...path, 'dimension'] }];
    default:
      return [];
  }
}
