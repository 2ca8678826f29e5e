import type { VpcEndpoint } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type {
  Plain,
  RegionInventory,
  SageMakerDomain,
  SageMakerNotebook,
} from '../../src/model/inventory.ts';
import { resultId } from '../../src/model/result.ts';
import { rule } from '../../src/rules/sagemaker-private-path.ts';
import {
  ACCOUNT_ID,
  DNS_ON,
  domain,
  endpoint,
  inventory,
  notebook,
  OTHER_ACCOUNT_ID,
  region,
  runRule,
  subnet,
  vpc,
} from '../support/inventory.ts';

const REGION = 'eu-west-1';
const VPC_ID = 'vpc-0ml';
const SUBNET = 'subnet-0private';
const name = (kind: string) => `com.amazonaws.${REGION}.${kind}`;
const NOTEBOOK = `aws.sagemaker.${REGION}.notebook`;
const STUDIO = `aws.sagemaker.${REGION}.studio`;

/** The endpoints a notebook needs, all available with private DNS. */
const notebookEndpoints = (): Plain<VpcEndpoint>[] => [
  endpoint('vpce-api', VPC_ID, name('sagemaker.api')),
  endpoint('vpce-runtime', VPC_ID, name('sagemaker.runtime')),
  endpoint('vpce-notebook', VPC_ID, NOTEBOOK),
];

/** The endpoints a VpcOnly domain needs: S3 as a gateway, the others as interfaces. */
const studioEndpoints = (): Plain<VpcEndpoint>[] => [
  endpoint('vpce-api', VPC_ID, name('sagemaker.api')),
  endpoint('vpce-runtime', VPC_ID, name('sagemaker.runtime')),
  endpoint('vpce-studio', VPC_ID, STUDIO),
  endpoint('vpce-sts', VPC_ID, name('sts')),
  endpoint('vpce-s3', VPC_ID, name('s3'), { VpcEndpointType: 'Gateway', PrivateDnsEnabled: false }),
];

function world(parts: {
  notebooks?: SageMakerNotebook[];
  domains?: SageMakerDomain[];
  endpoints?: Plain<VpcEndpoint>[];
  attributes?: RegionInventory['vpcAttributes'];
  vpcs?: RegionInventory['vpcs'];
  subnets?: RegionInventory['subnets'];
}): RegionInventory {
  return region(REGION, {
    vpcs: parts.vpcs ?? [vpc(VPC_ID)],
    subnets: parts.subnets ?? [subnet(SUBNET, VPC_ID), subnet('subnet-0b', VPC_ID)],
    endpoints: parts.endpoints ?? [],
    attributes: parts.attributes ?? { [VPC_ID]: DNS_ON },
    notebooks: parts.notebooks ?? [],
    domains: parts.domains ?? [],
  });
}

function judgeOne(parts: Parameters<typeof world>[0]) {
  const { results, skipped } = runRule(rule, inventory([world(parts)]));
  expect(skipped).toEqual([]);
  expect(results).toHaveLength(1);
  return results[0];
}

const aNotebook = () => notebook('ds-1', SUBNET);
const aDomain = () => domain('d-abc123', 'ml-team', VPC_ID, [SUBNET, 'subnet-0b']);

describe('sagemaker-private-path', () => {
  describe('passes', () => {
    it.each([
      { case: 'a notebook with the API, runtime and notebook endpoints', endpoints: notebookEndpoints() },
      {
        case: 'a notebook using the FIPS API and runtime endpoints',
        endpoints: [
          endpoint('vpce-api', VPC_ID, name('sagemaker.api-fips')),
          endpoint('vpce-runtime', VPC_ID, name('sagemaker.runtime-fips')),
          endpoint('vpce-notebook', VPC_ID, NOTEBOOK),
        ],
      },
      {
        case: 'a notebook whose endpoints report their state in the SDK enum casing',
        endpoints: notebookEndpoints().map((item) => ({ ...item, State: 'Available' as const })),
      },
    ])('$case', ({ endpoints }) => {
      // Act
      const result = judgeOne({ notebooks: [aNotebook()], endpoints });

      // Assess
      expect(result).toMatchObject({
        status: 'PASS',
        id: resultId('sagemaker-private-path', ACCOUNT_ID, REGION, 'ds-1'),
        resourceType: 'AWS::SageMaker::NotebookInstance',
        resourceId: 'ds-1',
        evidence: { vpcId: VPC_ID, required: [name('sagemaker.api'), name('sagemaker.runtime'), NOTEBOOK] },
      });
      expect(result?.message).toMatch(/^Notebook instance ds-1 in VPC vpc-0ml has available endpoints/);
    });

    it.each([
      { case: 'S3 as a gateway endpoint', endpoints: studioEndpoints() },
      {
        case: 'S3 as a gateway endpoint that leaves PrivateDnsEnabled out',
        endpoints: studioEndpoints().map((item) =>
          item.VpcEndpointId === 'vpce-s3' ? { ...item, PrivateDnsEnabled: undefined } : item,
        ),
      },
      {
        case: 'S3 as an interface endpoint with private DNS',
        endpoints: [
          ...studioEndpoints().filter((item) => item.VpcEndpointId !== 'vpce-s3'),
          endpoint('vpce-s3i', VPC_ID, name('s3')),
        ],
      },
    ])('a VpcOnly domain with the Studio endpoints, STS and $case', ({ endpoints }) => {
      // Act
      const result = judgeOne({ domains: [aDomain()], endpoints });

      // Assess
      expect(result).toMatchObject({
        status: 'PASS',
        resourceType: 'AWS::SageMaker::Domain',
        resourceId: 'd-abc123',
        resourceArn: `arn:aws:sagemaker:eu-west-1:${ACCOUNT_ID}:domain/d-abc123`,
        evidence: {
          required: [name('sagemaker.api'), name('sagemaker.runtime'), STUDIO, name('sts'), name('s3')],
        },
      });
      expect(result?.message).toContain('Studio domain ml-team (d-abc123) in VPC vpc-0ml');
    });

    it('a notebook in the China partition, whose AWS service names start with cn.com.amazonaws', () => {
      // Prepare
      const cn = 'cn-north-1';
      const regionInventory = region(cn, {
        vpcs: [vpc(VPC_ID)],
        subnets: [subnet(SUBNET, VPC_ID)],
        notebooks: [notebook('ds-1', SUBNET)],
        domains: [],
        endpoints: [
          endpoint('vpce-api', VPC_ID, `cn.com.amazonaws.${cn}.sagemaker.api`),
          endpoint('vpce-runtime', VPC_ID, `cn.com.amazonaws.${cn}.sagemaker.runtime`),
          endpoint('vpce-notebook', VPC_ID, `aws.sagemaker.${cn}.notebook`),
        ],
      });

      // Act
      const { results } = runRule(rule, inventory([regionInventory], { partition: 'aws-cn' }));

      // Assess
      expect(results.map((result) => result.status)).toEqual(['PASS']);
    });
  });

  describe('fails', () => {
    it('a notebook without the notebook endpoint, with the command that creates it', () => {
      // Act
      const result = judgeOne({
        notebooks: [aNotebook()],
        endpoints: notebookEndpoints().filter((item) => item.ServiceName !== NOTEBOOK),
      });

      // Assess
      expect(result?.status).toBe('FAIL');
      expect(result?.message).toBe(
        `Notebook instance ds-1 in VPC vpc-0ml lacks a private path: no ${NOTEBOOK} endpoint.`,
      );
      expect(result?.remediation).toBe(
        `Fix each gap in VPC vpc-0ml: aws ec2 create-vpc-endpoint --region eu-west-1 --vpc-id vpc-0ml --service-name ${NOTEBOOK} --vpc-endpoint-type Interface --subnet-ids ${SUBNET} --security-group-ids <sg-ids> --private-dns-enabled`,
      );
      expect(result?.evidence).toMatchObject({ missing: [NOTEBOOK], unknown: [] });
    });

    it('a VpcOnly domain without STS and S3, naming each with its own command', () => {
      // Act
      const result = judgeOne({
        domains: [aDomain()],
        endpoints: studioEndpoints().filter(
          (item) => !['vpce-sts', 'vpce-s3'].includes(item.VpcEndpointId ?? ''),
        ),
      });

      // Assess
      expect(result?.status).toBe('FAIL');
      expect(result?.message).toBe(
        `Studio domain ml-team (d-abc123) in VPC vpc-0ml lacks a private path: no ${name('sts')} endpoint; no ${name('s3')} endpoint.`,
      );
      expect(result?.remediation).toContain(
        `aws ec2 create-vpc-endpoint --region eu-west-1 --vpc-id vpc-0ml --service-name ${name('sts')} --vpc-endpoint-type Interface --subnet-ids ${SUBNET} subnet-0b --security-group-ids <sg-ids> --private-dns-enabled`,
      );
      expect(result?.remediation).toContain(
        `aws ec2 create-vpc-endpoint --region eu-west-1 --vpc-id vpc-0ml --service-name ${name('s3')} --vpc-endpoint-type Gateway --route-table-ids <route-table-ids>`,
      );
    });

    it.each([
      {
        case: 'an endpoint with private DNS off',
        broken: { PrivateDnsEnabled: false },
        problem: `${NOTEBOOK}: vpce-notebook has private DNS off`,
        fix: 'aws ec2 modify-vpc-endpoint --region eu-west-1 --vpc-endpoint-id vpce-notebook --private-dns-enabled',
      },
      {
        case: 'an endpoint pending acceptance',
        broken: { State: 'pendingAcceptance' },
        problem: `no usable ${NOTEBOOK} endpoint (vpce-notebook is pendingAcceptance)`,
        fix: `aws ec2 create-vpc-endpoint --region eu-west-1 --vpc-id vpc-0ml --service-name ${NOTEBOOK}`,
      },
      {
        case: 'a gateway where an interface is needed',
        broken: { VpcEndpointType: 'Gateway' },
        problem: `no usable ${NOTEBOOK} endpoint (vpce-notebook is of type Gateway, not Interface)`,
        fix: `aws ec2 create-vpc-endpoint --region eu-west-1 --vpc-id vpc-0ml --service-name ${NOTEBOOK}`,
      },
    ])('a notebook whose notebook endpoint is $case', ({ broken, problem, fix }) => {
      // Prepare
      const endpoints = notebookEndpoints().map((item) =>
        item.ServiceName === NOTEBOOK ? ({ ...item, ...broken } as Plain<VpcEndpoint>) : item,
      );

      // Act
      const result = judgeOne({ notebooks: [aNotebook()], endpoints });

      // Assess
      expect(result?.status).toBe('FAIL');
      expect(result?.message).toContain(problem);
      expect(result?.remediation).toContain(fix);
    });

    it.each([
      { case: 'a longer name that contains the right one', serviceName: `${NOTEBOOK}-preview` },
      { case: 'another region', serviceName: 'aws.sagemaker.eu-west-2.notebook' },
      { case: 'the Studio endpoint', serviceName: STUDIO },
    ])('a notebook whose only notebook-like endpoint is $case (names compare exactly)', ({ serviceName }) => {
      // Prepare
      const endpoints = [
        ...notebookEndpoints().filter((item) => item.ServiceName !== NOTEBOOK),
        endpoint('vpce-trap', VPC_ID, serviceName),
      ];

      // Act
      const result = judgeOne({ notebooks: [aNotebook()], endpoints });

      // Assess
      expect(result?.status).toBe('FAIL');
      expect(result?.message).toContain(`no ${NOTEBOOK} endpoint`);
    });

    it('a notebook whose endpoints are in another VPC', () => {
      // Act
      const result = judgeOne({
        notebooks: [aNotebook()],
        vpcs: [vpc(VPC_ID), vpc('vpc-0other')],
        endpoints: notebookEndpoints().map((item) => ({ ...item, VpcId: 'vpc-0other' })),
      });

      // Assess
      expect(result?.status).toBe('FAIL');
      expect(result?.evidence).toMatchObject({
        missing: [name('sagemaker.api'), name('sagemaker.runtime'), NOTEBOOK],
      });
    });

    it('a VpcOnly domain whose S3 gateway endpoint is pending, PrivateDnsEnabled (meaningless for a gateway) left out', () => {
      // Prepare
      const endpoints = [
        ...studioEndpoints().filter((item) => item.VpcEndpointId !== 'vpce-s3'),
        endpoint('vpce-s3', VPC_ID, name('s3'), {
          VpcEndpointType: 'Gateway',
          State: 'pending',
          PrivateDnsEnabled: undefined,
        }),
      ];

      // Act
      const result = judgeOne({ domains: [aDomain()], endpoints });

      // Assess
      expect(result?.status).toBe('FAIL');
      expect(result?.message).toContain(`no usable ${name('s3')} endpoint (vpce-s3 is pending)`);
    });

    it.each([
      {
        attribute: 'enableDnsSupport',
        attributes: { enableDnsSupport: false, enableDnsHostnames: true },
        fix: 'aws ec2 modify-vpc-attribute --region eu-west-1 --vpc-id vpc-0ml --enable-dns-support',
      },
      {
        attribute: 'enableDnsHostnames',
        attributes: { enableDnsSupport: true, enableDnsHostnames: false },
        fix: 'aws ec2 modify-vpc-attribute --region eu-west-1 --vpc-id vpc-0ml --enable-dns-hostnames',
      },
    ])('a notebook in a VPC with $attribute off', ({ attribute, attributes, fix }) => {
      // Act
      const result = judgeOne({
        notebooks: [aNotebook()],
        endpoints: notebookEndpoints(),
        attributes: { [VPC_ID]: attributes },
      });

      // Assess
      expect(result?.status).toBe('FAIL');
      expect(result?.evidence).toMatchObject({ missing: [attribute] });
      expect(result?.remediation).toBe(`Fix each gap in VPC vpc-0ml: ${fix}`);
    });

    it('with what it could not judge named beside what it could', () => {
      // Act
      const result = judgeOne({ notebooks: [aNotebook()], endpoints: [], attributes: {} });

      // Assess
      expect(result?.status).toBe('FAIL');
      expect(result?.message).toContain('Not judged: enableDnsSupport of VPC vpc-0ml not read');
    });
  });

  describe('returns ERROR, never PASS,', () => {
    it.each([
      {
        case: 'whose subnet is not among the subnets read',
        parts: { subnets: [] },
        says: `its subnet ${SUBNET} is not among the subnets read (DescribeSubnets)`,
      },
      {
        case: 'whose subnet names no VPC',
        parts: { subnets: [subnet(SUBNET, VPC_ID, { VpcId: undefined })] },
        says: `its subnet ${SUBNET} names no VPC`,
      },
      {
        case: 'whose VPC is not among the VPCs read',
        parts: { vpcs: [] },
        says: 'its VPC vpc-0ml is not among the VPCs read (DescribeVpcs)',
      },
      {
        case: 'in a VPC shared by another account',
        parts: { vpcs: [vpc(VPC_ID, { OwnerId: OTHER_ACCOUNT_ID })] },
        says: `its VPC vpc-0ml is shared by account ${OTHER_ACCOUNT_ID}, whose endpoints this account cannot list`,
      },
    ])('for a notebook $case', ({ parts, says }) => {
      // Act
      const result = judgeOne({ notebooks: [aNotebook()], endpoints: notebookEndpoints(), ...parts });

      // Assess
      expect(result?.status).toBe('ERROR');
      expect(result?.message).toBe(`Could not judge the private path of notebook instance ds-1: ${says}.`);
    });

    it('for a domain whose subnets lie in another VPC than the one it names', () => {
      // Act
      const result = judgeOne({
        domains: [aDomain()],
        endpoints: studioEndpoints(),
        subnets: [subnet(SUBNET, 'vpc-0elsewhere'), subnet('subnet-0b', 'vpc-0elsewhere')],
      });

      // Assess
      expect(result?.status).toBe('ERROR');
      expect(result?.message).toContain(
        'its VPC vpc-0ml and the VPCs of its subnets (vpc-0elsewhere) disagree',
      );
    });

    it.each([
      { case: 'without State', broken: { State: undefined } },
      { case: 'without PrivateDnsEnabled', broken: { PrivateDnsEnabled: undefined } },
    ])('for a notebook whose only notebook endpoint is $case', ({ broken }) => {
      // Prepare
      const endpoints = notebookEndpoints().map((item) =>
        item.ServiceName === NOTEBOOK ? ({ ...item, ...broken } as Plain<VpcEndpoint>) : item,
      );

      // Act
      const result = judgeOne({ notebooks: [aNotebook()], endpoints });

      // Assess
      expect(result?.status).toBe('ERROR');
      expect(result?.message).toContain(`${NOTEBOOK}: endpoint data is incomplete (vpce-notebook)`);
    });

    it('for a notebook lacking an endpoint when an endpoint without a VPC id could be it', () => {
      // Prepare
      const endpoints = [
        ...notebookEndpoints().filter((item) => item.ServiceName !== NOTEBOOK),
        endpoint('vpce-orphan', VPC_ID, NOTEBOOK, { VpcId: undefined }),
      ];

      // Act
      const result = judgeOne({ notebooks: [aNotebook()], endpoints });

      // Assess
      expect(result?.status).toBe('ERROR');
      expect(result?.message).toContain('vpce-orphan');
    });

    it('for a notebook in a VPC whose DNS attributes were not read', () => {
      // Act
      const result = judgeOne({ notebooks: [aNotebook()], endpoints: notebookEndpoints(), attributes: {} });

      // Assess
      expect(result?.status).toBe('ERROR');
      expect(result?.evidence).toMatchObject({
        missing: [],
        unknown: ['enableDnsSupport', 'enableDnsHostnames'],
      });
    });

    it.each([
      'sagemakerNotebooks',
      'sagemakerDomains',
      'subnets',
      'vpcs',
      'vpcEndpoints',
      'vpcAttributes',
    ] as const)('for a region without %s, once, saying why', (section) => {
      // Prepare
      const regionInventory = world({ notebooks: [aNotebook()], endpoints: notebookEndpoints() });
      delete regionInventory[section];
      regionInventory.sections = ['vpcs', 'vpcEndpoints', 'vpcAttributes', 'subnets'].filter(
        (item) => item !== section,
      ) as RegionInventory['sections'];

      // Act
      const { results } = runRule(rule, inventory([regionInventory]));

      // Assess
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({
        status: 'ERROR',
        resourceId: REGION,
        evidence: { missingSections: [section] },
      });
      expect(results[0]?.message).toContain(
        `${section}, not collected: the snapshot was taken for other rules`,
      );
    });
  });

  describe('leaves out, under scope.skipped,', () => {
    it('a notebook in no VPC, a domain that is not VpcOnly, and a notebook being deleted', () => {
      // Prepare
      const regionInventory = world({
        notebooks: [
          notebook('open', undefined, { DirectInternetAccess: 'Enabled' }),
          notebook('going', SUBNET, { NotebookInstanceStatus: 'Deleting' }),
        ],
        domains: [
          domain('d-public', 'public', VPC_ID, [SUBNET], { AppNetworkAccessType: 'PublicInternetOnly' }),
        ],
      });

      // Act
      const { results, skipped } = runRule(rule, inventory([regionInventory]));

      // Assess
      expect(results).toEqual([]);
      expect(skipped.map((entry) => [entry.resourceId, entry.reason])).toEqual([
        ['d-public', 'Studio domain public (d-public) is not VpcOnly: sagemaker-domain-vpc-only judges that'],
        ['going', 'notebook instance going is Deleting: not judged'],
        ['open', 'notebook instance open is in no VPC: sagemaker-notebook-network judges that'],
      ]);
    });
  });
});

describe('sagemaker-private-path where SageMaker is not offered', () => {
  it('judges nothing and lists the region as skipped, although the SageMaker sections were not read', () => {
    // Prepare
    const unoffered = region(REGION, { services: [] });

    // Act
    const { results, skipped } = runRule(rule, inventory([unoffered]));

    // Assess
    expect(results).toEqual([]);
    expect(skipped).toEqual([
      {
        ruleId: 'sagemaker-private-path',
        accountId: ACCOUNT_ID,
        region: REGION,
        reason:
          'com.amazonaws.eu-west-1.sagemaker.api is not offered in eu-west-1 (DescribeVpcEndpointServices does not list it)',
      },
    ]);
  });

  it('is ERROR when the endpoint services could not be read, naming them', () => {
    // Prepare
    const unread = {
      ...region(REGION, { notebooks: [], domains: [], subnets: [] }),
      endpointServices: undefined,
    };

    // Act
    const { results } = runRule(rule, inventory([unread]));

    // Assess
    expect(results.map((result) => result.status)).toEqual(['ERROR']);
    expect(results[0]?.message).toContain('missing endpointServices, not collected');
  });
});
