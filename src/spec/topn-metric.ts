import { z } from 'zod';
import { nonEmptyString, nullableStringish, typeError } from './query-fields.ts';
import { stringOrderingSchema } from './limit-spec.ts';
import type { StringOrdering } from './sorting-orders.ts';

/** Druid's TopNMetricSpec (docs/querying/topnmetricspec.md). */

export type TopNMetricSpec =
  | { type: 'numeric'; metric: string }
  | { type: 'dimension'; ordering: StringOrdering; previousStop: string | null }
  | { type: 'inverted'; metric: TopNMetricSpec };

export const TOPN_METRIC_TYPES = ['numeric', 'dimension', 'inverted', 'lexicographic', 'alphaNumeric'] as const;

const numeric = z.object({ type: z.literal('numeric'), metric: nonEmptyString() });
const dimension = z.object({
  type: z.literal('dimension'),
  ordering: stringOrderingSchema().optional().transform((o) => o ?? 'lexicographic'),
  previousStop: nullableStringish().optional().transform((v) => v ?? null),
});
/** The pre-0.9 spellings of dimension orderings. */
const legacy = z.object({
  type: z.enum(['lexicographic', 'alphaNumeric']),
  previousStop: nullableStringish().optional().transform((v) => v ?? null),
}).transform(({ type, previousStop }) => ({ type: 'dimension' as const, ordering: (type === 'alphaNumeric' ? 'alphanumeric' : 'lexicographic') as StringOrdering, previousStop }));
const inverted = z.object({ type: z.literal('inverted'), get metric() { return topNMetricSchema; } });

/** A bare string is a numeric metric spec. */
export const topNMetricSchema: z.ZodType<TopNMetricSpec, unknown> = z.lazy(() =>
  z.preprocess(
    (v) => (typeof v === 'string' ? { type: 'numeric', metric: v } : v),
    z.discriminatedUnion('type', [numeric, dimension, legacy, inverted], { error: typeError('topN metric', TOPN_METRIC_TYPES) }),
  ),
);

/** The aggregator or post-aggregator a numeric metric spec sorts by, if any. */
export function topNMetricName(spec: TopNMetricSpec): string | null {
  return spec.type === 'numeric' ? spec.metric : spec.type === 'inverted' ? topNMetricName(spec.metric) : null;
}
