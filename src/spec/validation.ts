import { z } from 'zod';

/** One bad field: where it is (a dotted path from the document's root) and what is wrong. */
export interface FieldIssue {
  path: string;
  reason: string;
}

export type SpecKind = 'invalid_spec' | 'invalid_query';

/** A spec, query or rule list that failed validation, with every bad field named. */
export class SpecValidationError extends Error {
  constructor(readonly code: SpecKind, readonly details: FieldIssue[], what = code === 'invalid_query' ? 'query' : 'spec') {
    super(`invalid ${what}: ${details.map((d) => `${d.path || '(root)'}: ${d.reason}`).join('; ')}`);
    this.name = 'SpecValidationError';
  }
}

export const isSpecValidationError = (e: unknown): e is SpecValidationError => e instanceof SpecValidationError;

/** Druid's path style: `spec.dataSchema.metricsSpec[2].fieldName`. */
export function formatPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

export function issuesOf(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path, prefix), reason: issue.message }));
}

/**
 * Validates `input` against `schema`; throws a SpecValidationError listing every issue found.
 * `prefix` names where the document sits (e.g. `spec` for a task's spec).
 */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, code: SpecKind, prefix = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new SpecValidationError(code, issuesOf(result.error, prefix));
  return result.data;
}
