import { z } from 'zod';
import { nonEmptyString } from './query-fields.ts';

/** Druid's dimension specs for topN and groupBy: a column name, or `{ type: 'default', ... }`. */

export type OutputType = 'STRING' | 'LONG' | 'FLOAT' | 'DOUBLE';

export interface DimensionSpec {
  dimension: string;
  outputName: string;
  /** null: the column's own type. */
  outputType: OutputType | null;
}

const OUTPUT_TYPES = ['STRING', 'LONG', 'FLOAT', 'DOUBLE'] as const;

/** A bare string names the column, which is also the output name. */
export const dimensionSpecSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { dimension: v } : v),
  z.object({
    type: z.literal('default', { error: 'unsupported dimension spec type (only "default"; extraction dimension specs are not supported)' }).optional(),
    dimension: nonEmptyString(),
    outputName: z.string({ error: 'expected a string' }).min(1, { error: 'must not be empty' }).optional(),
    outputType: z.string({ error: 'expected a type name' })
      .transform((t) => t.toUpperCase())
      .pipe(z.enum(OUTPUT_TYPES, { error: `expected one of ${OUTPUT_TYPES.join(', ')}` }))
      .optional(),
  }, { error: (iss) => (iss.input === undefined ? 'required' : 'expected a column name or a dimension spec object') })
    .transform((d): DimensionSpec => ({ dimension: d.dimension, outputName: d.outputName ?? d.dimension, outputType: d.outputType ?? null })),
);
