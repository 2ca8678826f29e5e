import type { CollectionError, Inventory, InventorySection, Plain } from '../model/inventory.ts';

/** The AWS error code (or Node network error code) and message of anything a call threw. */
export function describeAwsError(error: unknown): { code: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const name = error.name && error.name !== 'Error' ? error.name : undefined;
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return {
      code: name ?? (typeof code === 'string' ? code : 'UnknownError'),
      message: `${error.message || 'no message'}${status ? ` (HTTP ${status})` : ''}`,
    };
  }
  return { code: 'UnknownError', message: String(error) };
}

export function collectionError(section: InventorySection | '*', error: unknown): CollectionError {
  return { section, ...describeAwsError(error) };
}

/** JSON round trip: the inventory holds what a snapshot file holds (ISO dates, no undefined). */
export function plain<T>(value: T): Plain<T> {
  return JSON.parse(JSON.stringify(value)) as Plain<T>;
}

/**
 * The account could not be identified for a reason other than the credentials (AWS unavailable,
 * a timeout, a foreign answer): nothing can be scanned or attributed to an account. The CLI exits 1
 * (a collection failure, not bad usage); the Lambda invocation fails and is retried.
 */
export class AccountUnidentifiedError extends Error {
  override readonly name = 'AccountUnidentified';
}

/** Whether any part of the inventory was missing because AWS's answer lacked what it always sends. */
export function hasIncompleteResponses(inventory: Inventory): boolean {
  return inventory.accounts.some((account) =>
    [account, ...account.regions].some((part) =>
      (part.collectionErrors ?? []).some((error) => error.code === 'IncompleteResponse'),
    ),
  );
}
