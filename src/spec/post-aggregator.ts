import { z } from 'zod';
import { nonEmptyString, requiredNumber, typeError } from './query-fields.ts';

/** Druid's post-aggregator JSON (docs/querying/post-aggregations.md). */

export const ARITHMETIC_FNS = ['+', '-', '*', '/', 'quotient', 'pow'] as const;
export type ArithmeticFn = (typeof ARITHMETIC_FNS)[number];

export interface ArithmeticPostAggregator {
  type: 'arithmetic'; name: string | null; fn: ArithmeticFn; fields: PostAggregatorSpec[]; ordering: 'numericFirst' | null;
}
export interface FieldAccessPostAggregator { type: 'fieldAccess' | 'finalizingFieldAccess'; name: string | null; fieldName: string }
export interface ConstantPostAggregator { type: 'constant'; name: string | null; value: number }
export interface GreatestLeastPostAggregator {
  type: 'doubleGreatest' | 'longGreatest' | 'doubleLeast' | 'longLeast'; name: string | null; fields: PostAggregatorSpec[];
}

export type PostAggregatorSpec = ArithmeticPostAggregator | FieldAccessPostAggregator | ConstantPostAggregator | GreatestLeastPostAggregator;

export const POST_AGGREGATOR_TYPES = [
  'arithmetic', 'fieldAccess', 'finalizingFieldAccess', 'constant', 'doubleGreatest', 'longGreatest', 'doubleLeast', 'longLeast',
] as const;

/** Nested post-aggregators may leave out their name; top-level ones must have one (checked by the query). */
const optionalName = () =>
  z.string({ error: 'expected a string' }).nullable().optional().transform((v) => v ?? null);

const fields = () =>
  z.array(postAggregatorSchema, { error: (iss) => (iss.input === undefined ? 'required' : 'expected an array of post-aggregators') })
    .min(1, { error: 'needs at least one field' });

const arithmeticSchema = z.object({
  type: z.literal('arithmetic'),
  name: optionalName(),
  fn: z.enum(ARITHMETIC_FNS, { error: (iss) => (iss.input === undefined ? 'required' : `unknown function ${JSON.stringify(iss.input)} (expected one of ${ARITHMETIC_FNS.join(' ')})`) }),
  get fields() { return fields(); },
  ordering: z.enum(['numericFirst'], { error: 'expected null or "numericFirst"' }).nullable().optional().transform((v) => v ?? null),
});

const fieldAccessSchema = z.object({
  type: z.enum(['fieldAccess', 'finalizingFieldAccess']),
  name: optionalName(),
  fieldName: nonEmptyString(),
});

const constantSchema = z.object({ type: z.literal('constant'), name: optionalName(), value: requiredNumber() });

const greatestLeastSchema = z.object({
  type: z.enum(['doubleGreatest', 'longGreatest', 'doubleLeast', 'longLeast']),
  name: optionalName(),
  get fields() { return fields(); },
});

export const postAggregatorSchema: z.ZodType<PostAggregatorSpec, unknown> = z.lazy(() =>
  z.discriminatedUnion('type', [arithmeticSchema, fieldAccessSchema, constantSchema, greatestLeastSchema], {
    error: typeError('post-aggregator', POST_AGGREGATOR_TYPES),
  }),
);

/** Names of aggregators and earlier post-aggregators a post-aggregator reads, with their paths. */
export function postAggregatorInputs(spec: PostAggregatorSpec, path: Array<string | number> = []): Array<{ name: string; path: Array<string | number> }> {
  switch (spec.type) {
    case 'fieldAccess':
    case 'finalizingFieldAccess':
      return [{ name: spec.fieldName, path: [...path, 'fieldName'] }];
    case 'constant':
      return [];
    default:
      return spec.fields.flatMap((f, i) => postAggregatorInputs(f, [...path, 'fields', i]));
  }
}
