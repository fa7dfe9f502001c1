import type { z } from 'zod';
import { InvalidRequest } from './errors.ts';

/** Parses untrusted input with a schema; the first problem becomes a 400 with a field-specific detail. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw new InvalidRequest(`${where}${issue?.message ?? 'invalid input'}`);
}
