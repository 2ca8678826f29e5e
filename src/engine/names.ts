import type { Inventory } from '../model/inventory.ts';
import type { Result } from '../model/result.ts';

/** What a person calls a resource, beside the id the rules report. */
interface ResourceNaming {
  name?: string;
  defaultVpc?: true;
}

function nameTag(tags: readonly { Key?: string; Value?: string }[] | undefined): string | undefined {
  const value = tags?.find((tag) => tag.Key === 'Name')?.Value;
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** `arn:aws:iam::1:role/path/name` → `name`; an inline policy id `…/user/u/inline/p` → `p`. */
const IAM_NAME = /^arn:[a-z-]+:iam::\d{12}:(?:user|role|policy)\/(?:.*\/)?([^/]+)$/;

function key(type: string, accountId: string, region: string, id: string): string {
  return [type, accountId, region, id].join('\u0000');
}

/**
 * The names of a region's VPCs and endpoints and an account's Studio domains, read once per
 * scan: a result is named from a map lookup, however many results share a region.
 */
function namingIndex(inventory: Inventory): Map<string, ResourceNaming> {
  const index = new Map<string, ResourceNaming>();
  const add = (type: string, accountId: string, region: string, id: string, naming: ResourceNaming) => {
    if (naming.name !== undefined || naming.defaultVpc) index.set(key(type, accountId, region, id), naming);
  };
  for (const account of inventory.accounts) {
    for (const region of account.regions) {
      for (const vpc of region.vpcs ?? []) {
        add('AWS::EC2::VPC', account.accountId, region.region, vpc.VpcId as string, {
          name: nameTag(vpc.Tags),
          ...(vpc.IsDefault === true ? { defaultVpc: true as const } : {}),
        });
      }
      for (const endpoint of region.vpcEndpoints ?? []) {
        add('AWS::EC2::VPCEndpoint', account.accountId, region.region, endpoint.VpcEndpointId as string, {
          name: nameTag(endpoint.Tags),
        });
      }
      for (const domain of region.sagemakerDomains ?? []) {
        add('AWS::SageMaker::Domain', account.accountId, region.region, domain.DomainId as string, {
          name: domain.DomainName || undefined,
        });
      }
    }
  }
  return index;
}

/**
 * Adds `resourceName` (a VPC's or endpoint's `Name` tag, a Studio domain's name, an IAM user's,
 * role's or policy's name) and `defaultVpc` to the results, so that reports can show a label a
 * person recognises next to the id. The id stays what identifies the result.
 */
export function nameResults(inventory: Inventory, results: readonly Result[]): Result[] {
  const index = namingIndex(inventory);
  return results.map((result) => {
    const iamName = result.resourceType.startsWith('AWS::IAM::')
      ? IAM_NAME.exec(result.resourceId)?.[1]
      : undefined;
    const naming: ResourceNaming = iamName
      ? { name: iamName }
      : (index.get(key(result.resourceType, result.accountId, result.region, result.resourceId)) ?? {});
    if (naming.name === undefined && !naming.defaultVpc) return result;
    return {
      ...result,
      ...(naming.name !== undefined ? { resourceName: naming.name } : {}),
      ...(naming.defaultVpc ? { defaultVpc: true as const } : {}),
    };
  });
}
