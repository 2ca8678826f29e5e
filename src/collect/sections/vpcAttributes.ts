import type { EC2Client } from '@aws-sdk/client-ec2';
import pLimit from 'p-limit';
import * as z from 'zod';
import type { VpcDnsAttributes } from '../../model/inventory.ts';
import { SAGEMAKER_ENDPOINT_KINDS } from '../../rules/support.ts';
import type { SectionDefinition } from './types.ts';
import { serviceNamesOf } from './vpcEndpoints.ts';

/** DescribeVpcAttribute calls in flight per region. */
const ATTRIBUTE_CONCURRENCY = 8;

/** DescribeVpcAttribute answers the one attribute asked for, under its capitalised name. */
function askedAttribute(input: Record<string, unknown>): string {
  const attribute = String(input.Attribute ?? '');
  return `${attribute.charAt(0).toUpperCase()}${attribute.slice(1)}.Value`;
}

async function readDnsAttributes(
  client: EC2Client,
  vpcIds: string[],
): Promise<Record<string, VpcDnsAttributes>> {
  const { DescribeVpcAttributeCommand } = await import('../sdk.ts');
  const limit = pLimit(ATTRIBUTE_CONCURRENCY);
  const entries = await Promise.all(
    vpcIds.map((VpcId) =>
      limit(async (): Promise<[string, VpcDnsAttributes]> => {
        const [support, hostnames] = await Promise.all([
          client.send(new DescribeVpcAttributeCommand({ VpcId, Attribute: 'enableDnsSupport' })),
          client.send(new DescribeVpcAttributeCommand({ VpcId, Attribute: 'enableDnsHostnames' })),
        ]);
        return [
          VpcId,
          {
            enableDnsSupport: support.EnableDnsSupport?.Value,
            enableDnsHostnames: hostnames.EnableDnsHostnames?.Value,
          },
        ];
      }),
    ),
  );
  return Object.fromEntries(entries);
}

/**
 * The DNS support and DNS hostnames attributes of the account's own VPCs that hold a SageMaker API
 * or runtime endpoint, or run a notebook or Studio domain this scan reads: only those are judged on
 * them, and two calls per VPC add up across thousands of VPCs.
 */
export const vpcAttributes: SectionDefinition<
  'vpcAttributes',
  'region',
  'ec2',
  Record<string, VpcDnsAttributes>
> = {
  id: 'vpcAttributes',
  scope: 'region',
  client: 'ec2',
  title: 'VPC DNS attributes',
  permissions: ['ec2:DescribeVpcAttribute'],
  responses: {
    'ec2:DescribeVpcAttribute': {
      fields: (input) => ({ VpcId: 'string', [askedAttribute(input)]: 'boolean' }),
    },
  },
  schema: z.record(
    z.string(),
    z.strictObject({
      enableDnsSupport: z.boolean().optional(),
      enableDnsHostnames: z.boolean().optional(),
    }),
  ),
  requires: ['vpcs', 'vpcEndpoints'],
  after: ['sagemakerNotebooks', 'sagemakerDomains', 'subnets'],
  async collect({ client, inventory, accountId, partition, region, expect, afterSettled }) {
    const ownedVpcIds = new Set(
      (inventory.vpcs ?? [])
        .filter((vpc) => vpc.OwnerId === undefined || vpc.OwnerId === accountId)
        .map((vpc) => vpc.VpcId),
    );
    const required = new Set(serviceNamesOf(SAGEMAKER_ENDPOINT_KINDS, partition, region));
    const endpointVpcs = new Set<string>();
    for (const endpoint of inventory.vpcEndpoints ?? []) {
      if (endpoint.VpcId && required.has(endpoint.ServiceName ?? '')) endpointVpcs.add(endpoint.VpcId);
    }
    const first = [...endpointVpcs].filter((vpcId) => ownedVpcIds.has(vpcId)).sort();
    expect('DescribeVpcAttribute', 2 * first.length);
    // The endpoints' VPCs are read at once, while the notebooks and domains are still being
    // described (another bucket): then the VPCs only they run in.
    const workloadVpcs = afterSettled().then(() => {
      // A notebook's VPC is that of its subnet.
      const subnetVpcs = new Map((inventory.subnets ?? []).map((subnet) => [subnet.SubnetId, subnet.VpcId]));
      const used = new Set<string>();
      for (const notebook of inventory.sagemakerNotebooks ?? []) {
        const vpcId = notebook.SubnetId ? subnetVpcs.get(notebook.SubnetId) : undefined;
        if (vpcId) used.add(vpcId);
      }
      for (const domain of inventory.sagemakerDomains ?? []) if (domain.VpcId) used.add(domain.VpcId);
      const more = [...used].filter((vpcId) => ownedVpcIds.has(vpcId) && !endpointVpcs.has(vpcId)).sort();
      if (more.length > 0) expect('DescribeVpcAttribute', 2 * more.length);
      return readDnsAttributes(client, more);
    });
    const [endpointAttributes, workloadAttributes] = await Promise.all([
      readDnsAttributes(client, first),
      workloadVpcs,
    ]);
    return Object.fromEntries(
      Object.entries({ ...endpointAttributes, ...workloadAttributes }).sort(([a], [b]) => a.localeCompare(b)),
    );
  },
};
