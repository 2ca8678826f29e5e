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
 * when a continuation token repeats, or when a resource comes back on a later page (a page served
 * again under a new token): judged as it is, that listing would report one resource twice under
 * one result id. The SDK's paginators follow a repeated token forever (or, with `stopOnSameToken`,
 * end early with part of the listing), and neither may reach a rule. `onMore` is told of each
 * continuation token before the next page is asked for (the scan's estimate of the calls due).
 *
 * @example
 * const pages = distinctPages(paginateDescribeVpcs(config, {}), 'DescribeVpcs', (p) => p.NextToken, (p) => (p.Vpcs ?? []).map((v) => v.VpcId));
 */
export async function* distinctPages<Page>(
  pages: AsyncIterable<Page>,
  operation: string,
  tokenOf: (page: Page) => string | undefined,
  idsOf: (page: Page) => readonly (string | undefined)[],
  onMore: () => void = () => {},
): AsyncGenerator<Page> {
  const tokens = new Set<string>();
  const ids = new Set<string>();
  for await (const page of pages) {
    const token = tokenOf(page);
    if (token) {
      if (tokens.has(token)) {
        throw new InconsistentPaginationError(`${operation} returned the continuation token ${token} twice`);
      }
      tokens.add(token);
      onMore();
    }
    for (const id of idsOf(page)) {
      if (id === undefined) continue;
      if (ids.has(id)) {
        throw new InconsistentPaginationError(
          `${operation} listed ${id} twice (a page repeated under a new continuation token?)`,
        );
      }
      ids.add(id);
    }
    yield page;
  }
}
