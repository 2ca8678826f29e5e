import type { EC2Client } from '@aws-sdk/client-ec2';

/** The largest page EC2's Describe* calls return. */
export const EC2_PAGE_SIZE = 1000;

/** The regions enabled for the account (opt-in regions only once opted in). */
export async function listEnabledRegions(client: EC2Client): Promise<string[]> {
  const { DescribeRegionsCommand } = await import('./sdk.ts');
  const response = await client.send(new DescribeRegionsCommand({ AllRegions: false }));
  return (response.Regions ?? [])
    .map((region) => region.RegionName)
    .filter((name): name is string => typeof name === 'string')
    .sort();
}
