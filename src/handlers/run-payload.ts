import type * as z from 'zod';
import { UserInputError } from '../model/errors.ts';
import { jsonPath } from '../model/snapshot.ts';

/**
 * Validates a payload of the Organization run against its schema: a drift between the state
 * machine and the handler is a {@link UserInputError} naming the payload and the field at fault.
 *
 * @example parseRunPayload(planInput, event, 'plan input') // { runId: '…' }
 */
export function parseRunPayload<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0] as z.core.$ZodIssue;
  const where = jsonPath(issue.path);
  const detail =
    issue.code === 'unrecognized_keys'
      ? `unknown field ${issue.keys.map((key) => `"${key}"`).join(', ')}`
      : issue.message;
  throw new UserInputError(`${what}: ${where}: ${detail}`);
}
