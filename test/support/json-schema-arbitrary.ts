import fc from 'fast-check';

/** The JSON Schema keywords zod's `toJSONSchema` writes for grove's event schemas. */
export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  items?: Schema;
  minItems?: number;
  minLength?: number;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  anyOf?: Schema[];
  oneOf?: Schema[];
}

/** Whatever a body decoded from msgpack or JSON can hold, and then some. */
const wildValue: fc.Arbitrary<unknown> = fc.oneof(fc.anything({ withNullPrototype: true, withSparseArray: true }), fc.uint8Array(), fc.date(), fc.double(), fc.constant(undefined));

/**
 * Data for a schema: valid, or — when `wild` — now and then a node replaced by anything or a
 * required key left out, so that both sides of every keyword are tried.
 */
export function dataFor(schema: Schema, wild: boolean): fc.Arbitrary<unknown> {
  const valid = validFor(schema, wild);
  return wild ? fc.oneof({ arbitrary: valid, weight: 8 }, { arbitrary: wildValue, weight: 1 }) : valid;
}

function validFor(s: Schema, wild: boolean): fc.Arbitrary<unknown> {
  if (s.anyOf ?? s.oneOf) return fc.oneof(...(s.anyOf ?? s.oneOf)!.map((x) => dataFor(x, wild)));
  if (Array.isArray(s.type)) return fc.oneof(...s.type.map((type) => validFor({ ...s, type }, wild)));
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum !== undefined) return fc.constantFrom(...s.enum);
  switch (s.type) {
    case 'object': {
      const shape = Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, dataFor(v, wild)]));
      const whole = fc.record(shape, { requiredKeys: s.required ?? [] });
      // Now and then any key may be missing, required or not (drawn by fast-check, so a seed replays it).
      const known = wild ? fc.oneof({ arbitrary: whole, weight: 8 }, { arbitrary: fc.record(shape, { requiredKeys: [] }), weight: 1 }) : whole;
      const extra = typeof s.additionalProperties === 'object' ? fc.dictionary(fc.string(), dataFor(s.additionalProperties, wild), { maxKeys: 3 }) : fc.constant({});
      return fc.tuple(extra, known).map(([more, props]) => ({ ...more, ...props }));
    }
    case 'array':
      return fc.array(s.items === undefined ? wildValue : dataFor(s.items, wild), { minLength: s.minItems ?? 0, maxLength: 4 });
    case 'string':
      if (s.pattern !== undefined) return fc.stringMatching(new RegExp(s.pattern));
      return fc.string({ minLength: s.minLength ?? 0, unit: 'grapheme' });
    case 'integer':
      return fc.integer({ min: Math.max(s.minimum ?? -(2 ** 31), -(2 ** 31)), max: Math.min(s.maximum ?? 2 ** 31, 2 ** 31) });
    case 'number':
      return fc.double({ min: s.minimum, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case undefined:
      return wild ? wildValue : fc.jsonValue();
    default:
      throw new Error(`no generator for JSON Schema type ${s.type}`);
  }
}
