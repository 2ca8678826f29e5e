/** A read that had not finished (or not started) when the scan's deadline passed. */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceeded';
}

export const NOT_FINISHED = 'not finished before the scan deadline';
export const NOT_STARTED = 'not reached before the scan deadline';

/**
 * `work`, or a {@link DeadlineExceededError} as soon as `deadline` aborts, whichever comes first.
 * The request behind `work` is cancelled separately (`AwsClients.abortAll`); a retry back-off in
 * progress would otherwise hold the section for up to 20 s past the deadline.
 *
 * @example const vpcs = await beforeDeadline(listVpcs(client), deadline);
 */
export function beforeDeadline<T>(work: Promise<T>, deadline: AbortSignal | undefined): Promise<T> {
  if (deadline === undefined) return work;
  if (deadline.aborted) {
    work.catch(() => {});
    return Promise.reject(new DeadlineExceededError(NOT_FINISHED));
  }
  return new Promise<T>((resolve, reject) => {
    const onDeadline = () => reject(new DeadlineExceededError(NOT_FINISHED));
    deadline.addEventListener('abort', onDeadline, { once: true });
    work.then(resolve, reject).finally(() => deadline.removeEventListener('abort', onDeadline));
  });
}
