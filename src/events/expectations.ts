import { z } from 'zod';

/**
 * What a writer expects of the metadata when it appends (optimistic concurrency): checked inside
 * the append's transaction; when one fails, nothing is appended and the reply says which.
 */
export type Expectation =
  /** The last event about an entity (`lock:<id>`, `datasource:<name>`...) is still `seq` (0: none). */
  | { type: 'entitySeq'; key: string; seq: number }
  /** The entity's machine is in one of these states (dotted values; `absent` if it does not exist). */
  | { type: 'state'; kind: string; id: string; in: string[] }
  /** The datasource's committed offsets for `stream` are exactly `equals` (null: none committed). */
  | { type: 'offsets'; dataSource: string; stream: string; equals: Record<string, number> | null };

export const expectationSchema: z.ZodType<Expectation> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('entitySeq'), key: z.string().min(1), seq: z.number().int().nonnegative() }),
  z.object({ type: z.literal('state'), kind: z.string().min(1), id: z.string().min(1), in: z.array(z.string()).min(1) }),
  z.object({ type: z.literal('offsets'), dataSource: z.string().min(1), stream: z.string().min(1), equals: z.record(z.string(), z.number().int()).nullable() }),
]);
