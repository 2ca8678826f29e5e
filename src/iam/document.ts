import type { PolicyDocumentInput } from '../model/inventory.ts';

export type DecodedDocument =
  | { ok: true; document: Record<string, unknown> }
  | { ok: false; problem: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A policy document in any of the forms it arrives in: URL-encoded JSON from the IAM API (the
 * JavaScript SDK does not decode it), plain JSON text, or an object (AWS CLI output, snapshots).
 * Decoding is RFC 3986 (`decodeURIComponent`), never form decoding: a `+` stays a `+`.
 *
 * @example decodePolicyDocument('%7B%22Version%22%3A%222012-10-17%22%7D')
 */
export function decodePolicyDocument(input: PolicyDocumentInput | undefined): DecodedDocument {
  if (input === undefined) return { ok: false, problem: 'the policy document is missing' };
  if (isObject(input)) return { ok: true, document: input };
  if (typeof input !== 'string') return { ok: false, problem: 'the policy document is not JSON' };
  let text = input.trim();
  if (!text.startsWith('{')) {
    try {
      text = decodeURIComponent(text).trim();
    } catch {
      return { ok: false, problem: 'the policy document is neither JSON nor valid URL-encoded JSON' };
    }
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isObject(parsed)) return { ok: false, problem: 'the policy document is not a JSON object' };
    return { ok: true, document: parsed };
  } catch (error) {
    return {
      ok: false,
      problem: `the policy document does not parse as JSON (${error instanceof Error ? error.message : String(error)})`,
    };
  }
}
