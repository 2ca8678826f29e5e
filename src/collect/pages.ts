/**
 * A listing whose pages do not chain up: a continuation token that comes back a second time, or a
 * page that says it is truncated without saying where to go on. The listing is not whole, so the
 * sections built from it must be ERROR rather than judged on part of the data.
 */
export class InconsistentPaginationError extends Error {
  override readonly name = 'InconsistentPagination';
}

/**
 * Passes the pages of an SDK paginator through, and stops with an {@link InconsistentPaginationError}
 * when a continuation token repeats. The SDK's paginators follow a repeated token forever (or, with
 * `stopOnSameToken`, end early with part of the listing), and neither may reach a rule.
 *
 * @example
 * for await (const page of distinctPages(paginateDescribeVpcs(config, {}), 'DescribeVpcs', (p) => p.NextToken)) …
 */
export async function* distinctPages<Page>(
  pages: AsyncIterable<Page>,
  operation: string,
  tokenOf: (page: Page) => string | undefined,
): AsyncGenerator<Page> {
  const seen = new Set<string>();
  for await (const page of pages) {
    const token = tokenOf(page);
    if (token) {
      if (seen.has(token)) {
        throw new InconsistentPaginationError(`${operation} returned the continuation token ${token} twice`);
      }
      seen.add(token);
    }
    yield page;
  }
}
