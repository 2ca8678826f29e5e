import type { VpcEndpoint } from '@aws-sdk/client-ec2';
import type { Plain } from '../model/inventory.ts';
import type { ResultDraft } from '../model/result.ts';
import {
  acceptedServiceNames,
  checkEachRegion,
  ec2Arn,
  missingEndpointFields,
  type RegionScope,
  SAGEMAKER_ENDPOINT_KINDS,
  type SageMakerEndpointKind,
  sameValue,
  shellQuote,
  vpcsToJudge,
} from './support.ts';
import type { Rule, RuleContext, RuleMeta, RuleOutput } from './types.ts';

export const meta: RuleMeta = {
  id: 'vpc-sagemaker-endpoints',
  title: 'VPC has available interface endpoints for sagemaker.api and sagemaker.runtime',
  severity: 'high',
  resourceType: 'AWS::EC2::VPC',
  needs: ['endpointServices', 'vpcs', 'vpcEndpoints'],
  rationale:
    'Without interface endpoints for the SageMaker API and runtime, calls from the VPC leave it for the public SageMaker endpoints, so the account is not private: network controls and endpoint policies cannot apply.',
  remediation: {
    text: 'Create an interface VPC endpoint for each missing service (sagemaker.api, sagemaker.runtime) in the VPC, with private DNS on, and replace endpoints that are not available.',
    cli: 'aws ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id <vpc-id> --service-name com.amazonaws.<region>.sagemaker.api --subnet-ids <subnet-ids> --security-group-ids <sg-ids> --private-dns-enabled',
  },
  references: [
    'https://docs.aws.amazon.com/sagemaker/latest/dg/interface-vpc-endpoint.html',
    'https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html',
  ],
};

type Endpoint = Plain<VpcEndpoint>;

interface EndpointSummary {
  vpcEndpointId: string | undefined;
  serviceName: string | undefined;
  vpcEndpointType: string | undefined;
  state: string | undefined;
}

function summarize(endpoint: Endpoint): EndpointSummary {
  return {
    vpcEndpointId: endpoint.VpcEndpointId,
    serviceName: endpoint.ServiceName,
    vpcEndpointType: endpoint.VpcEndpointType,
    state: endpoint.State,
  };
}

function isMalformed(endpoint: Endpoint): boolean {
  return missingEndpointFields(endpoint).length > 0;
}

function describeUnusable(endpoint: Endpoint): string {
  if (!sameValue(endpoint.VpcEndpointType, 'Interface')) {
    return `${endpoint.VpcEndpointId} is of type ${endpoint.VpcEndpointType}, not Interface`;
  }
  return `${endpoint.VpcEndpointId} is ${endpoint.State}`;
}

function judgeVpc(
  scope: RegionScope,
  partition: string,
  vpcId: string,
  isDefault: boolean,
  endpoints: Endpoint[],
  orphanMalformed: Endpoint[],
): ResultDraft {
  const { accountId } = scope.account;
  const region = scope.region.region;
  const usable: Partial<Record<SageMakerEndpointKind, string>> = {};
  const missing: SageMakerEndpointKind[] = [];
  const unusable: (EndpointSummary & { requirement: SageMakerEndpointKind })[] = [];
  const problems: string[] = [];
  for (const kind of SAGEMAKER_ENDPOINT_KINDS) {
    const names = acceptedServiceNames(partition, region, kind);
    const candidates = endpoints.filter(
      (endpoint) => endpoint.ServiceName !== undefined && names.includes(endpoint.ServiceName),
    );
    const good = candidates.find(
      (endpoint) =>
        sameValue(endpoint.VpcEndpointType, 'Interface') && sameValue(endpoint.State, 'available'),
    );
    if (good) {
      usable[kind] = good.VpcEndpointId;
      continue;
    }
    missing.push(kind);
    for (const endpoint of candidates) unusable.push({ requirement: kind, ...summarize(endpoint) });
    problems.push(
      candidates.length === 0
        ? `no ${kind} endpoint`
        : `no usable ${kind} endpoint (${candidates.map(describeUnusable).join(', ')})`,
    );
  }
  const base = {
    accountId,
    region,
    resourceType: meta.resourceType,
    resourceId: vpcId,
    resourceArn: ec2Arn(partition, region, accountId, `vpc/${vpcId}`),
  };
  if (missing.length === 0) {
    return {
      ...base,
      status: 'PASS',
      message: `VPC ${vpcId} has available interface endpoints for sagemaker.api (${usable['sagemaker.api']}) and sagemaker.runtime (${usable['sagemaker.runtime']}).`,
      evidence: { vpcId, isDefault, endpoints: usable },
    };
  }
  const malformed = [...endpoints.filter(isMalformed), ...orphanMalformed];
  if (malformed.length > 0) {
    return {
      ...base,
      status: 'ERROR',
      message: `Could not judge VPC ${vpcId}: endpoint data is incomplete (${malformed
        .map(
          (endpoint) =>
            `${endpoint.VpcEndpointId ?? 'an endpoint without an id'} lacks ${missingEndpointFields(endpoint).join(', ')}`,
        )
        .join('; ')}), and without it the VPC has ${problems.join(' and ')}.`,
      evidence: { vpcId, isDefault, incompleteEndpoints: malformed.map(summarize), missing },
    };
  }
  const commands = missing.map(
    (kind) =>
      `aws ec2 create-vpc-endpoint --region ${shellQuote(region)} --vpc-id ${shellQuote(vpcId)} --vpc-endpoint-type Interface --service-name ${shellQuote(acceptedServiceNames(partition, region, kind)[0] as string)} --subnet-ids <subnet-ids> --security-group-ids <sg-ids> --private-dns-enabled`,
  );
  return {
    ...base,
    status: 'FAIL',
    message: `VPC ${vpcId} has ${problems.join(' and ')}.`,
    remediation: `Create (or replace) the interface endpoint${missing.length > 1 ? 's' : ''}: ${commands.join(' ; ')}`,
    evidence: { vpcId, isDefault, missing, unusable, endpoints: usable },
  };
}

function checkRegion(context: RuleContext, scope: RegionScope): RuleOutput {
  const judged = vpcsToJudge(context, scope, meta);
  if ('done' in judged) return judged.done;
  const { vpcs, skipped } = judged;
  const { partition } = context.inventory;
  const endpointsByVpc = new Map<string, Endpoint[]>();
  const orphanMalformed: Endpoint[] = [];
  for (const endpoint of scope.region.vpcEndpoints ?? []) {
    if (typeof endpoint.VpcId !== 'string') {
      orphanMalformed.push(endpoint);
      continue;
    }
    const list = endpointsByVpc.get(endpoint.VpcId) ?? [];
    list.push(endpoint);
    endpointsByVpc.set(endpoint.VpcId, list);
  }
  const results = vpcs.map((vpc) =>
    judgeVpc(
      scope,
      partition,
      vpc.VpcId as string,
      vpc.IsDefault === true,
      endpointsByVpc.get(vpc.VpcId as string) ?? [],
      orphanMalformed,
    ),
  );
  return { results, skipped };
}

export function check(context: RuleContext): RuleOutput {
  return checkEachRegion(context, checkRegion);
}

export const rule: Rule = { meta, check };
