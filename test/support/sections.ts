import type {
  ClientName,
  CollectContext,
  SectionClients,
  SectionScope,
} from '../../src/collect/sections/types.ts';
import { ACCOUNT_ID } from './inventory.ts';

/**
 * What a section's `collect` is given: `client`, and the inventory read so far (empty unless
 * `inventory` says), for {@link ACCOUNT_ID} in eu-west-1 of the aws partition unless `where` says.
 *
 * @example await vpcs.collect(collectContext(new EC2Client({ region: 'eu-west-1' })))
 */
export function collectContext<C extends ClientName, Scope extends SectionScope = 'region'>(
  client: SectionClients[C],
  inventory: Partial<CollectContext<C, Scope>['inventory']> = {},
  where: { region?: string; partition?: string } = {},
): CollectContext<C, Scope> {
  const region = where.region ?? 'eu-west-1';
  return {
    client,
    region,
    accountId: ACCOUNT_ID,
    partition: where.partition ?? 'aws',
    inventory: { region, regions: [], accountId: ACCOUNT_ID, ...inventory } as CollectContext<
      C,
      Scope
    >['inventory'],
    expect: () => {},
    afterSettled: async () => {},
  };
}
