import type { SageMakerDomain } from '../model/inventory.ts';
import type { ResultDraft } from '../model/result.ts';
import {
  checkEachRegion,
  domainLabel,
  domainsToJudge,
  type RegionScope,
  sageMakerRegionVerdict,
  sameValue,
  shellQuote,
} from './support.ts';
import type { Rule, RuleContext, RuleMeta, RuleOutput } from './types.ts';

export const meta: RuleMeta = {
  id: 'sagemaker-domain-vpc-only',
  title: 'SageMaker Studio domain sends all its traffic through its VPC (VpcOnly)',
  severity: 'high',
  resourceType: 'AWS::SageMaker::Domain',
  needs: ['endpointServices', 'sagemakerDomains'],
  rationale:
    'A domain in PublicInternetOnly mode, the default, sends everything but its EFS traffic through a network SageMaker manages, with direct internet access: the VPC, its endpoints and security groups do not apply to Studio apps.',
  remediation: {
    text: 'Switch the domain to VpcOnly once its VPC has the endpoints Studio needs without internet (see sagemaker-private-path) and private subnets; SageMaker accepts the change only while no app of the domain is InService, Pending or Deleting.',
    cli: 'aws sagemaker update-domain --domain-id <domain-id> --app-network-access-type VpcOnly',
  },
  references: [
    'https://docs.aws.amazon.com/sagemaker/latest/dg/studio-updated-and-internet-access.html',
    'https://docs.aws.amazon.com/config/latest/developerguide/sagemaker-domain-in-vpc.html',
    'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateDomain.html',
  ],
};

function judgeDomain(scope: RegionScope, domain: SageMakerDomain): ResultDraft {
  const label = domainLabel(domain);
  const region = scope.region.region;
  const mode = domain.AppNetworkAccessType;
  const base = {
    accountId: scope.account.accountId,
    region,
    resourceType: meta.resourceType,
    resourceId: domain.DomainId as string,
    ...(domain.DomainArn ? { resourceArn: domain.DomainArn } : {}),
    evidence: {
      domainId: domain.DomainId,
      domainName: domain.DomainName,
      appNetworkAccessType: mode,
      vpcId: domain.VpcId,
      subnetIds: domain.SubnetIds,
    },
  };
  if (sameValue(mode, 'VpcOnly')) {
    return {
      ...base,
      status: 'PASS',
      message: `Studio domain ${label} is VpcOnly: its traffic goes through VPC ${domain.VpcId}.`,
    };
  }
  if (mode !== undefined && !sameValue(mode, 'PublicInternetOnly')) {
    return {
      ...base,
      status: 'ERROR',
      message: `Could not judge Studio domain ${label}: AppNetworkAccessType is "${mode}", neither VpcOnly nor PublicInternetOnly.`,
    };
  }
  return {
    ...base,
    status: 'FAIL',
    message:
      mode === undefined
        ? `Studio domain ${label} does not set AppNetworkAccessType, so it has AWS's default, PublicInternetOnly: its apps reach the internet around the VPC.`
        : `Studio domain ${label} is PublicInternetOnly: its apps reach the internet around the VPC.`,
    remediation: `Once VPC ${domain.VpcId ?? '<vpc-id>'} has the endpoints Studio needs without internet (see sagemaker-private-path) and the domain's subnets are private, and while no app of the domain is InService, Pending or Deleting: aws sagemaker update-domain --region ${shellQuote(region)} --domain-id ${shellQuote(domain.DomainId as string)} --app-network-access-type VpcOnly`,
  };
}

function checkRegion(context: RuleContext, scope: RegionScope): RuleOutput {
  const verdict = sageMakerRegionVerdict(context, scope, meta);
  if (verdict) return verdict;
  const { domains, skipped } = domainsToJudge(scope, meta.id);
  return { results: domains.map((domain) => judgeDomain(scope, domain)), skipped };
}

export function check(context: RuleContext): RuleOutput {
  return checkEachRegion(context, checkRegion);
}

export const rule: Rule = { meta, check };
