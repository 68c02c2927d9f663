import { Ajv } from 'ajv';
import { z } from 'zod';

const ajv = new Ajv({ strictNumbers: true, allErrors: false });
// zod's records refuse what is an object but not a plain one (a Date, bytes); JSON Schema cannot say that.
ajv.addKeyword({ keyword: 'plainObject', schemaType: 'boolean', validate: (_: boolean, data: unknown) => z.core.util.isPlainObject(data) });

/** The JSON Schema of a zod schema (for input, draft-7), every record in it marked `plainObject`. */
export function jsonSchemaOf(schema: z.ZodType): object {
  const mark = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(mark);
    if (node === null || typeof node !== 'object') return node;
    const marked = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, mark(v)]));
    return 'propertyNames' in node ? { ...marked, plainObject: true } : marked;
  };
  return mark(z.toJSONSchema(schema, { target: 'draft-7', io: 'input' })) as object;
}

/**
 * A zod schema compiled by Ajv into a check that builds nothing, where zod builds a parsed copy of
 * everything it checks. JSON Schema cannot say a refinement: pass the schema's as `refined`. For
 * the hot paths that take what it accepts as it is and ask zod only about what it refuses (so
 * that zod, the definition, judges and names what is wrong); each such use has a property test
 * that it accepts nothing zod refuses. Compiled when first used: a process that never checks
 * (a CLI command) does not pay for it.
 */
export function compileSchema(schema: z.ZodType, refined?: (data: never) => boolean): (data: unknown) => boolean {
  let check: ((data: unknown) => boolean) | null = null;
  return (data) => (check ??= compile(schema, refined as ((data: unknown) => boolean) | undefined))(data);
}

function compile(schema: z.ZodType, refined: ((data: unknown) => boolean) | undefined): (data: unknown) => boolean {
  const valid = ajv.compile(jsonSchemaOf(schema));
  return refined === undefined ? (data) => valid(data) : (data) => valid(data) && refined(data);
}
