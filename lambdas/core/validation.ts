import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { InvalidRequest, type KeywayError } from './errors.ts';

/**
 * Request schemas are built with `zod/mini` (a few KB in a bundle, where full `zod` is ~440 KB minified) on the
 * same core, so parsing is the same. Unlike `zod`, `zod/mini` installs no locale, which would leave every issue
 * "Invalid input": the English messages `zod` uses by default are set here, before anything is parsed.
 */
z.config(en());

/**
 * Parses untrusted input with a schema; the first problem becomes a 400 with a field-specific detail. `toError`
 * picks the error for a field (by default invalid_request), for endpoints whose spec names its own codes.
 */
export function parseInput<T extends z.ZodMiniType>(
  schema: T,
  input: unknown,
  toError: (field: PropertyKey | undefined, detail: string) => KeywayError = (_, detail) => new InvalidRequest(detail),
): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw toError(issue?.path[0], `${where}${issue?.message ?? 'invalid input'}`);
}

/** A safe integer in [min, max]: `zod`'s `z.number().int().min(min).max(max)`, with the same checks in the same order. */
export function integerIn(min: number, max: number) {
  return z.number().check(z.int(), z.gte(min), z.lte(max));
}
