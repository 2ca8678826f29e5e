import type { Subnet, Vpc, VpcEndpoint } from '@aws-sdk/client-ec2';
import { SageMakerServiceException } from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/collect/clients.ts';
import { SAGEMAKER_PAGE_SIZE } from '../../src/collect/sagemaker.ts';
import { SUBNET_IDS_PER_CALL } from '../../src/collect/sections/subnets.ts';
import { runScan } from '../../src/engine/scan.ts';
import { selectRules } from '../../src/engine/select.ts';
import { DEFAULT_RULE_CONFIG } from '../../src/model/config.ts';
import type { SageMakerDomain, SageMakerNotebook } from '../../src/model/inventory.ts';
import {
  type AttemptLog,
  accessDenied,
  always,
  awsError,
  endpointServiceListing,
  failFirst,
  fastClients,
  pagesOf,
  type Responder,
  serveFromResponders,
  throttlingError,
} from '../support/aws-faults.ts';
import {
  ACCOUNT_ID,
  domain,
  endpoint,
  notebook,
  offeredServices,
  serviceName,
  subnet,
  vpc,
} from '../support/inventory.ts';

const SAGEMAKER_RULES = [
  'sagemaker-domain-vpc-only',
  'sagemaker-notebook-network',
  'sagemaker-notebook-root-access',
  'sagemaker-private-path',
];
const CALLER = { Account: ACCOUNT_ID, Arn: `arn:aws:iam::${ACCOUNT_ID}:role/scanner`, UserId: 'AROASCANNER' };
const MAX_ATTEMPTS = 4;

/** A region's world: vpc-1 has every endpoint a private notebook and VpcOnly domain need, vpc-2 none. */
function world(region: string) {
  const kinds = ['sagemaker.api', 'sagemaker.runtime', 'sts'] as const;
  const endpoints = [
    ...kinds.map((kind) =>
      endpoint(`vpce-${kind}`, 'vpc-1', `com.amazonaws.${region}.${kind}`, { SubnetIds: ['subnet-e'] }),
    ),
    endpoint('vpce-notebook', 'vpc-1', `aws.sagemaker.${region}.notebook`, { SubnetIds: ['subnet-e'] }),
    endpoint('vpce-studio', 'vpc-1', `aws.sagemaker.${region}.studio`, { SubnetIds: ['subnet-e'] }),
    endpoint('vpce-s3', 'vpc-1', `com.amazonaws.${region}.s3`, { VpcEndpointType: 'Gateway' }),
  ] as VpcEndpoint[];
  return {
    vpcs: [vpc('vpc-1'), vpc('vpc-2')] as Vpc[],
    endpoints,
    subnets: [
      subnet('subnet-1', 'vpc-1'),
      subnet('subnet-2', 'vpc-2'),
      subnet('subnet-e', 'vpc-1'),
    ] as Subnet[],
    notebooks: [
      notebook('nb-private', 'subnet-1'),
      notebook('nb-bare', 'subnet-2', { RootAccess: 'Enabled' }),
      notebook('nb-gone', 'subnet-deleted'),
    ],
    domains: [
      domain('d-private', 'private', 'vpc-1', ['subnet-1']),
      domain('d-public', 'public', 'vpc-2', ['subnet-2'], { AppNetworkAccessType: 'PublicInternetOnly' }),
    ],
  };
}

type World = ReturnType<typeof world>;

/** DescribeSubnets answers the `subnet-id` filter's subnets that exist, as EC2 does. */
function subnetsByFilter(subnets: readonly Subnet[]): Responder {
  return (input) => {
    const filter = (input.Filters as { Name: string; Values: string[] }[] | undefined)?.find(
      (item) => item.Name === 'subnet-id',
    );
    return { Subnets: subnets.filter((item) => filter?.Values.includes(item.SubnetId ?? '')) };
  };
}

function byName<T>(items: readonly T[], key: (item: T) => string | undefined, field: string): Responder {
  return (input) => {
    const found = items.find((item) => key(item) === input[field]);
    if (!found) throw awsError(SageMakerServiceException, 'ValidationException', 400, 'RecordNotFound');
    return found;
  };
}

function serve(
  clients: AwsClients,
  region: string,
  built: World,
  options: { services?: string[]; sagemaker?: Record<string, Responder> } = {},
): { ec2: AttemptLog; sagemaker: AttemptLog } {
  serveFromResponders(clients.sts(region), { GetCallerIdentity: always(CALLER) });
  serveFromResponders(clients.iam(region), { ListAccountAliases: always({ AccountAliases: [] }) });
  const ec2 = serveFromResponders(clients.ec2(region), {
    DescribeVpcEndpointServices: always({
      ServiceNames: endpointServiceListing(region, options.services ?? offeredServices(region)),
    }),
    DescribeVpcs: pagesOf('Vpcs', built.vpcs),
    DescribeVpcEndpoints: pagesOf('VpcEndpoints', built.endpoints),
    DescribeSubnets: subnetsByFilter(built.subnets),
    DescribeVpcAttribute: (input) => ({
      VpcId: input.VpcId,
      EnableDnsSupport: { Value: true },
      EnableDnsHostnames: { Value: true },
    }),
  });
  const sagemaker = serveFromResponders(clients.sagemaker(region), {
    ListNotebookInstances: pagesOf(
      'NotebookInstances',
      built.notebooks.map((item) => ({ NotebookInstanceName: item.NotebookInstanceName })),
      2,
    ),
    DescribeNotebookInstance: byName(
      built.notebooks,
      (item: SageMakerNotebook) => item.NotebookInstanceName,
      'NotebookInstanceName',
    ),
    ListDomains: pagesOf(
      'Domains',
      built.domains.map((item) => ({ DomainId: item.DomainId })),
    ),
    DescribeDomain: byName(built.domains, (item: SageMakerDomain) => item.DomainId, 'DomainId'),
    ...options.sagemaker,
  });
  return { ec2, sagemaker };
}

function scan(clients: AwsClients, regions: string[], rules = SAGEMAKER_RULES) {
  return runScan({
    rules: selectRules(rules),
    config: DEFAULT_RULE_CONFIG,
    source: { kind: 'live', clients, regions, homeRegion: regions[0] as string },
  });
}

const verdicts = (results: { ruleId: string; region: string; resourceId: string; status: string }[]) =>
  results.map((result) => `${result.region} ${result.ruleId} ${result.resourceId} ${result.status}`);

describe('live collection of notebooks, domains and their subnets', () => {
  it('reads every notebook and domain once, describes each, and judges them on their subnets and VPCs', async () => {
    // Prepare
    const clients = fastClients(MAX_ATTEMPTS);
    const logs = serve(clients, 'eu-west-1', world('eu-west-1'));

    // Act
    const { report, inventory } = await scan(clients, ['eu-west-1']);

    // Assess
    expect(verdicts(report.results)).toEqual([
      'eu-west-1 sagemaker-domain-vpc-only d-private PASS',
      'eu-west-1 sagemaker-domain-vpc-only d-public FAIL',
      'eu-west-1 sagemaker-notebook-network nb-bare PASS',
      'eu-west-1 sagemaker-notebook-network nb-gone PASS',
      'eu-west-1 sagemaker-notebook-network nb-private PASS',
      'eu-west-1 sagemaker-notebook-root-access nb-bare FAIL',
      'eu-west-1 sagemaker-notebook-root-access nb-gone PASS',
      'eu-west-1 sagemaker-notebook-root-access nb-private PASS',
      'eu-west-1 sagemaker-private-path d-private PASS',
      'eu-west-1 sagemaker-private-path nb-bare FAIL',
      'eu-west-1 sagemaker-private-path nb-gone ERROR',
      'eu-west-1 sagemaker-private-path nb-private PASS',
    ]);
    expect(report.stats.apiCalls).toEqual({
      'ec2:DescribeSubnets': 1,
      'ec2:DescribeVpcAttribute': 4,
      'ec2:DescribeVpcEndpointServices': 1,
      'ec2:DescribeVpcEndpoints': 1,
      'ec2:DescribeVpcs': 1,
      'iam:ListAccountAliases': 1,
      'sagemaker:DescribeDomain': 2,
      'sagemaker:DescribeNotebookInstance': 3,
      'sagemaker:ListDomains': 1,
      'sagemaker:ListNotebookInstances': 2,
      'sts:GetCallerIdentity': 1,
    });
    const listings = logs.sagemaker.attempts.filter((call) => call.operation === 'ListNotebookInstances');
    expect(listings.map((call) => call.input.MaxResults)).toEqual([SAGEMAKER_PAGE_SIZE, SAGEMAKER_PAGE_SIZE]);
    const [subnetCall] = logs.ec2.attempts.filter((call) => call.operation === 'DescribeSubnets');
    expect(subnetCall?.input.SubnetIds).toBeUndefined();
    expect(subnetCall?.input.Filters).toEqual([
      { Name: 'subnet-id', Values: ['subnet-1', 'subnet-2', 'subnet-deleted', 'subnet-e'] },
    ]);
    const attributeVpcs = logs.ec2.attempts
      .filter((call) => call.operation === 'DescribeVpcAttribute')
      .map((call) => `${call.input.VpcId} ${call.input.Attribute}`);
    expect(attributeVpcs.sort()).toEqual([
      'vpc-1 enableDnsHostnames',
      'vpc-1 enableDnsSupport',
      'vpc-2 enableDnsHostnames',
      'vpc-2 enableDnsSupport',
    ]);
    const [read] = inventory.accounts[0]?.regions ?? [];
    expect(read?.sections).toEqual([
      'endpointServices',
      'sagemakerDomains',
      'sagemakerNotebooks',
      'subnets',
      'vpcAttributes',
      'vpcEndpoints',
      'vpcs',
    ]);
    expect(read?.sagemakerNotebooks?.map((item) => item.NotebookInstanceName)).toEqual([
      'nb-bare',
      'nb-gone',
      'nb-private',
    ]);
    expect(read?.sagemakerNotebooks?.[0]).not.toHaveProperty('$metadata');
    expect(read?.subnets?.map((item) => item.SubnetId)).toEqual(['subnet-1', 'subnet-2', 'subnet-e']);
    expect(read?.collectionErrors).toBeUndefined();
  });

  it(`asks for ${SUBNET_IDS_PER_CALL} subnets per DescribeSubnets call, so 250 notebooks in 250 subnets take two`, async () => {
    // Prepare
    const clients = fastClients(MAX_ATTEMPTS);
    const built = world('eu-west-1');
    const names = Array.from({ length: 250 }, (_, index) => `nb-${String(index).padStart(3, '0')}`);
    built.notebooks = names.map((name) => notebook(name, `subnet-${name}`));
    built.subnets = names.map((name) => subnet(`subnet-${name}`, 'vpc-1')) as Subnet[];
    built.endpoints = [];
    built.domains = [];
    const logs = serve(clients, 'eu-west-1', built);

    // Act
    const { report } = await scan(clients, ['eu-west-1'], ['sagemaker-private-path']);

    // Assess
    const calls = logs.ec2.attempts.filter((call) => call.operation === 'DescribeSubnets');
    expect(calls.map((call) => (call.input.Filters as { Values: string[] }[])[0]?.Values.length)).toEqual([
      200, 50,
    ]);
    expect(report.stats.apiCalls['sagemaker:ListNotebookInstances']).toBe(125);
    expect(report.stats.apiCalls['sagemaker:DescribeNotebookInstance']).toBe(250);
    expect(report.results.filter((result) => result.status === 'FAIL')).toHaveLength(250);
  });

  it('makes a ListDomains throttled past every retry an ERROR for the domain rules in that region only', async () => {
    // Prepare
    const clients = fastClients(MAX_ATTEMPTS);
    const throttled = serve(clients, 'eu-west-1', world('eu-west-1'), {
      sagemaker: {
        ListDomains: failFirst(
          Number.POSITIVE_INFINITY,
          () => throttlingError(SageMakerServiceException, 'ThrottlingException', 400),
          () => ({}),
        ),
      },
    });
    serve(clients, 'us-east-1', world('us-east-1'));

    // Act
    const { report, inventory } = await scan(clients, ['eu-west-1', 'us-east-1']);

    // Assess
    expect(throttled.sagemaker.count('ListDomains')).toBe(MAX_ATTEMPTS);
    const errors = report.results.filter((result) => result.status === 'ERROR');
    expect(errors.map((result) => `${result.region} ${result.ruleId} ${result.resourceId}`)).toEqual([
      'eu-west-1 sagemaker-domain-vpc-only eu-west-1',
      'eu-west-1 sagemaker-private-path eu-west-1',
      'us-east-1 sagemaker-private-path nb-gone',
    ]);
    expect(errors[0]?.message).toContain('sagemakerDomains (ThrottlingException: Request limit exceeded.');
    const [eu, us] = inventory.accounts[0]?.regions ?? [];
    expect(eu?.collectionErrors?.map((error) => [error.section, error.code])).toEqual([
      ['sagemakerDomains', 'ThrottlingException'],
      ['subnets', 'DependencyFailed'],
    ]);
    expect(eu?.sagemakerNotebooks).toHaveLength(3);
    expect(us?.collectionErrors).toBeUndefined();
  });

  it('makes a denied ListNotebookInstances an ERROR for the notebook rules, and still judges the domains', async () => {
    // Prepare
    const clients = fastClients(MAX_ATTEMPTS);
    const logs = serve(clients, 'eu-west-1', world('eu-west-1'), {
      sagemaker: {
        ListNotebookInstances: () => {
          throw accessDenied(SageMakerServiceException, 'AccessDeniedException');
        },
      },
    });

    // Act
    const { report } = await scan(clients, ['eu-west-1']);

    // Assess
    expect(verdicts(report.results)).toEqual([
      'eu-west-1 sagemaker-domain-vpc-only d-private PASS',
      'eu-west-1 sagemaker-domain-vpc-only d-public FAIL',
      'eu-west-1 sagemaker-notebook-network eu-west-1 ERROR',
      'eu-west-1 sagemaker-notebook-root-access eu-west-1 ERROR',
      'eu-west-1 sagemaker-private-path eu-west-1 ERROR',
    ]);
    expect(report.results[2]?.message).toContain('sagemakerNotebooks (AccessDeniedException:');
    expect(logs.sagemaker.count('ListNotebookInstances')).toBe(1);
    expect(logs.sagemaker.count('DescribeNotebookInstance')).toBe(0);
  });

  it('asks SageMaker nothing in a region that does not offer it, and lists the region as skipped', async () => {
    // Prepare
    const clients = fastClients(MAX_ATTEMPTS);
    const logs = serve(clients, 'eu-west-1', world('eu-west-1'), {
      services: [serviceName('eu-west-1', 'sagemaker.metrics')],
    });

    // Act
    const { report } = await scan(clients, ['eu-west-1']);

    // Assess
    expect(report.results).toEqual([]);
    expect(report.scope.skipped.map((entry) => [entry.ruleId, entry.region, entry.reason])).toEqual(
      SAGEMAKER_RULES.map((ruleId) => [
        ruleId,
        'eu-west-1',
        'com.amazonaws.eu-west-1.sagemaker.api is not offered in eu-west-1 (DescribeVpcEndpointServices does not list it)',
      ]),
    );
    expect(logs.sagemaker.attempts).toEqual([]);
  });
});
