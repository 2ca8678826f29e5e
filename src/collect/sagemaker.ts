import type { RegionInventory } from '../model/inventory.ts';
import { sageMakerOffered } from '../rules/support.ts';

/** The largest page ListNotebookInstances and ListDomains return. */
export const SAGEMAKER_PAGE_SIZE = 100;
/** Describe calls in flight per region and listing: SageMaker's Describe rate limits are per account. */
export const DESCRIBE_CONCURRENCY = 8;

/**
 * Whether to ask SageMaker in this region: not where DescribeVpcEndpointServices says it is not
 * offered (the SageMaker rules skip such a region), but where that listing could not be read.
 */
export function sageMakerAsked(context: {
  inventory: Readonly<RegionInventory>;
  partition: string;
  region: string;
}): boolean {
  const { endpointServices } = context.inventory;
  return (
    endpointServices === undefined || sageMakerOffered(endpointServices, context.partition, context.region)
  );
}
