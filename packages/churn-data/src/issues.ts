import type { z } from 'zod';

/** Formats the first zod issue as `field: message`, the shape every boundary error uses. */
export function describeIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  const field = issue?.path.join('.') || '(body)';
  return { field, message: `${field}: ${issue?.message ?? 'invalid'}` };
}
