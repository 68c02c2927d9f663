import { z } from 'zod';
import { nonEmptyString, nonNegativeInt, requiredNumber } from './query-fields.ts';
import { STRING_ORDERINGS, type StringOrdering } from './sorting-orders.ts';

/** Druid's groupBy `limitSpec` of type `default` (docs/querying/limitspec.md). */

export interface OrderByColumn {
  dimension: string;
  direction: 'ascending' | 'descending';
  dimensionOrder: StringOrdering;
}

export interface LimitSpec {
  type: 'default';
  columns: OrderByColumn[];
  limit: number | null;
  offset: number;
}

const DIRECTIONS: Record<string, OrderByColumn['direction']> = { ascending: 'ascending', asc: 'ascending', descending: 'descending', desc: 'descending' };

const orderings = STRING_ORDERINGS as [StringOrdering, ...StringOrdering[]];

export const stringOrderingSchema = () =>
  z.union([z.enum(orderings), z.object({ type: z.enum(orderings) }).transform((o) => o.type)], {
    error: `expected one of ${STRING_ORDERINGS.join(', ')}`,
  });

/** A bare string orders by that column, ascending. */
const columnSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { dimension: v } : v),
  z.object({
    dimension: nonEmptyString(),
    direction: z.string({ error: 'expected "ascending" or "descending"' })
      .transform((d, ctx) => DIRECTIONS[d.toLowerCase()] ?? (ctx.addIssue({ code: 'custom', message: `unknown direction ${JSON.stringify(d)} (expected ascending or descending)`, input: d }), z.NEVER))
      .optional(),
    dimensionOrder: stringOrderingSchema().optional(),
  }, { error: 'expected a column name or { dimension, direction, dimensionOrder }' })
    .transform((c): OrderByColumn => ({ dimension: c.dimension, direction: c.direction ?? 'ascending', dimensionOrder: c.dimensionOrder ?? 'lexicographic' })),
);

export const limitSpecSchema = z.object({
  type: z.literal('default', { error: 'unsupported limitSpec type (expected "default")' }).optional(),
  columns: z.array(columnSchema, { error: 'expected an array of columns' }).optional().transform((c) => c ?? []),
  limit: requiredNumber().int({ error: 'must be an integer' }).positive({ error: 'must be positive' }).nullable().optional().transform((v) => v ?? null),
  offset: nonNegativeInt().optional().transform((v) => v ?? 0),
}).transform((l): LimitSpec => ({ type: 'default', columns: l.columns, limit: l.limit, offset: l.offset }));
