import type { VpcEndpoint } from '@aws-sdk/client-ec2';
import type { Plain } from '../model/inventory.ts';
import type { ResultDraft } from '../model/result.ts';
import {
  checkEachRegion,
  ec2Arn,
  type RegionScope,
  sageMakerKindOf,
  sameValue,
  shellQuote,
  vpcsToJudge,
} from './support.ts';
import type { Rule, RuleContext, RuleMeta, RuleOutput } from './types.ts';

export const meta: RuleMeta = {
  id: 'vpc-sagemaker-private-dns',
  title: 'SageMaker interface endpoints have private DNS on, in a VPC that can resolve it',
  severity: 'high',
  resourceType: 'AWS::EC2::VPCEndpoint',
  needs: ['endpointServices', 'vpcs', 'vpcEndpoints', 'vpcAttributes'],
  rationale:
    'With private DNS off, or in a VPC without DNS support and DNS hostnames, the default SageMaker host names (api.sagemaker.<region>.amazonaws.com) resolve to public addresses, so SDKs, notebooks and the console send traffic around the endpoint.',
  remediation: {
    text: 'Turn on private DNS for the endpoint, and DNS support and DNS hostnames for its VPC.',
    cli: 'aws ec2 modify-vpc-endpoint --vpc-endpoint-id <vpce-id> --private-dns-enabled && aws ec2 modify-vpc-attribute --vpc-id <vpc-id> --enable-dns-support && aws ec2 modify-vpc-attribute --vpc-id <vpc-id> --enable-dns-hostnames',
  },
  references: [
    'https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#interface-endpoint-private-dns',
    'https://docs.aws.amazon.com/vpc/latest/userguide/vpc-dns.html#vpc-dns-support',
  ],
};

const GONE_STATES = ['deleted', 'deleting'];

function judgeEndpoint(context: RuleContext, scope: RegionScope, endpoint: Plain<VpcEndpoint>): ResultDraft {
  const { accountId } = scope.account;
  const region = scope.region.region;
  const { partition } = context.inventory;
  const endpointId = endpoint.VpcEndpointId as string;
  const vpcId = endpoint.VpcId as string;
  const attributes = scope.region.vpcAttributes?.[vpcId];
  const settings = {
    privateDnsEnabled: endpoint.PrivateDnsEnabled,
    enableDnsSupport: attributes?.enableDnsSupport,
    enableDnsHostnames: attributes?.enableDnsHostnames,
  };
  const evidence = { vpcEndpointId: endpointId, vpcId, serviceName: endpoint.ServiceName, ...settings };
  const base = {
    accountId,
    region,
    resourceType: meta.resourceType,
    resourceId: endpointId,
    resourceArn: ec2Arn(partition, region, accountId, `vpc-endpoint/${endpointId}`),
    evidence,
  };
  const unknown = Object.entries(settings)
    .filter(([, value]) => typeof value !== 'boolean')
    .map(([name]) => name);
  if (unknown.length > 0) {
    return {
      ...base,
      status: 'ERROR',
      message: `Could not judge endpoint ${endpointId} (${endpoint.ServiceName}) in VPC ${vpcId}: ${unknown.join(', ')} not read.`,
    };
  }
  const fixes: string[] = [];
  const off: string[] = [];
  if (!settings.privateDnsEnabled) {
    off.push('private DNS on the endpoint');
    fixes.push(
      `aws ec2 modify-vpc-endpoint --region ${shellQuote(region)} --vpc-endpoint-id ${shellQuote(endpointId)} --private-dns-enabled`,
    );
  }
  if (!settings.enableDnsSupport) {
    off.push(`DNS support on VPC ${vpcId}`);
    fixes.push(
      `aws ec2 modify-vpc-attribute --region ${shellQuote(region)} --vpc-id ${shellQuote(vpcId)} --enable-dns-support`,
    );
  }
  if (!settings.enableDnsHostnames) {
    off.push(`DNS hostnames on VPC ${vpcId}`);
    fixes.push(
      `aws ec2 modify-vpc-attribute --region ${shellQuote(region)} --vpc-id ${shellQuote(vpcId)} --enable-dns-hostnames`,
    );
  }
  if (off.length === 0) {
    return {
      ...base,
      status: 'PASS',
      message: `Endpoint ${endpointId} (${endpoint.ServiceName}) has private DNS on, and VPC ${vpcId} has DNS support and DNS hostnames on.`,
    };
  }
  return {
    ...base,
    status: 'FAIL',
    message: `Endpoint ${endpointId} (${endpoint.ServiceName}) in VPC ${vpcId} does not resolve privately: ${off.join(', ')} ${off.length > 1 ? 'are' : 'is'} off.`,
    remediation: `Turn on ${off.join(', ')}: ${fixes.join(' ; ')}`,
  };
}

function checkRegion(context: RuleContext, scope: RegionScope): RuleOutput {
  const judged = vpcsToJudge(context, scope, meta);
  if ('done' in judged) return judged.done;
  const { vpcs, skipped } = judged;
  const { partition } = context.inventory;
  const judgedVpcIds = new Set(vpcs.map((vpc) => vpc.VpcId));
  const results = (scope.region.vpcEndpoints ?? [])
    .filter(
      (endpoint) =>
        typeof endpoint.VpcEndpointId === 'string' &&
        typeof endpoint.VpcId === 'string' &&
        judgedVpcIds.has(endpoint.VpcId) &&
        endpoint.ServiceName !== undefined &&
        sageMakerKindOf(endpoint.ServiceName, partition, scope.region.region) !== undefined &&
        sameValue(endpoint.VpcEndpointType, 'Interface') &&
        !GONE_STATES.some((state) => sameValue(endpoint.State, state)),
    )
    .map((endpoint) => judgeEndpoint(context, scope, endpoint));
  return { results, skipped };
}

export function check(context: RuleContext): RuleOutput {
  return checkEachRegion(context, checkRegion);
}

export const rule: Rule = { meta, check };
