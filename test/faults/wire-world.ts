import { AwsClients, type ClientOptions } from '../../src/collect/clients.ts';
import {
  AWS_JSON_1_1,
  ec2Xml,
  fastClientOverrides,
  IAM_XMLNS,
  queryXml,
  STS_XMLNS,
  UNPACED,
  type WireAnswer,
  type WireCall,
} from '../support/aws-faults.ts';

/**
 * One account in one region, as AWS's query and JSON protocols send it: a VPC with available
 * SageMaker api, runtime, notebook, Studio and STS endpoints, an S3 gateway and DNS on, where a
 * private notebook instance and a VpcOnly Studio domain run, the interface endpoints in two zones
 * behind a group that lets HTTPS in from the VPC (the VPC and SageMaker rules PASS), and
 * one user whose inline policy lets it create presigned notebook URLs from anywhere (the IAM rules
 * FAIL). Every operation the scanner calls has a real answer here, so a fault on one of them shows
 * as a changed result.
 */
export const WIRE_ACCOUNT_ID = '111122223333';
export const WIRE_REGION = 'eu-west-1';
export const WIRE_VPC_ID = 'vpc-0a1b2c3d4e5f60718';
const WIRE_SUBNET_ID = 'subnet-0a1b2c3d4e5f60718';
/** The interface endpoints sit in two zones: the notebook's subnet and one more. */
const WIRE_SUBNET_IDS = [WIRE_SUBNET_ID, 'subnet-0b2c3d4e5f6071829'];
const WIRE_ENDPOINT_GROUP_ID = 'sg-0e0d0c0b0a0908070';
const NOTEBOOK_NAME = 'wire-notebook';
const NOTEBOOK_ARN = `arn:aws:sagemaker:${WIRE_REGION}:${WIRE_ACCOUNT_ID}:notebook-instance/${NOTEBOOK_NAME}`;
const DOMAIN_ID = 'd-wire0000000';
const DOMAIN_ARN = `arn:aws:sagemaker:${WIRE_REGION}:${WIRE_ACCOUNT_ID}:domain/${DOMAIN_ID}`;

const WIRE_ROOT_ID = 'r-wire';
const FULL_AWS_ACCESS = {
  Id: 'p-FullAWSAccess',
  Arn: 'arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess',
  Name: 'FullAWSAccess',
  Description: 'Allows access to every operation',
  Type: 'SERVICE_CONTROL_POLICY',
  AwsManaged: true,
};

const item = (fields: Record<string, string>) =>
  `<item>${Object.entries(fields)
    .map(([key, value]) => `<${key}>${value}</${key}>`)
    .join('')}</item>`;

function endpointItem(id: string, serviceName: string, type = 'Interface'): string {
  const fields = item({
    vpcEndpointId: id,
    vpcEndpointType: type,
    vpcId: WIRE_VPC_ID,
    serviceName,
    state: 'available',
    privateDnsEnabled: String(type === 'Interface'),
    ownerId: WIRE_ACCOUNT_ID,
  });
  if (type !== 'Interface') return fields;
  const placement = `<groupSet>${item({ groupId: WIRE_ENDPOINT_GROUP_ID, groupName: 'sagemaker-endpoints' })}</groupSet><subnetIdSet>${WIRE_SUBNET_IDS.map((subnetId) => `<item>${subnetId}</item>`).join('')}</subnetIdSet>`;
  return fields.replace('</item>', `${placement}</item>`);
}

const ENDPOINT_ITEMS = [
  endpointItem('vpce-0a1b2c3d4e5f60001', `com.amazonaws.${WIRE_REGION}.sagemaker.api`),
  endpointItem('vpce-0a1b2c3d4e5f60002', `com.amazonaws.${WIRE_REGION}.sagemaker.runtime`),
  endpointItem('vpce-0a1b2c3d4e5f60003', `aws.sagemaker.${WIRE_REGION}.notebook`),
  endpointItem('vpce-0a1b2c3d4e5f60004', `aws.sagemaker.${WIRE_REGION}.studio`),
  endpointItem('vpce-0a1b2c3d4e5f60005', `com.amazonaws.${WIRE_REGION}.sts`),
  endpointItem('vpce-0a1b2c3d4e5f60006', `com.amazonaws.${WIRE_REGION}.s3`, 'Gateway'),
].join('');

const OPEN_POLICY = encodeURIComponent(
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'sagemaker:CreatePresignedNotebookInstanceUrl', Resource: '*' }],
  }),
);

/** The healthy answer body of each operation, by `Action`. */
export const HEALTHY_BODIES: Record<string, () => string> = {
  GetCallerIdentity: () =>
    queryXml(
      'GetCallerIdentity',
      STS_XMLNS,
      `<Arn>arn:aws:sts::${WIRE_ACCOUNT_ID}:assumed-role/scanner/session</Arn><UserId>AROAEXAMPLE:session</UserId><Account>${WIRE_ACCOUNT_ID}</Account>`,
    ),
  DescribeRegions: () =>
    ec2Xml(
      'DescribeRegions',
      `<regionInfo>${item({ regionName: WIRE_REGION, regionEndpoint: `ec2.${WIRE_REGION}.amazonaws.com`, optInStatus: 'opt-in-not-required' })}</regionInfo>`,
    ),
  DescribeVpcEndpointServices: () =>
    ec2Xml(
      'DescribeVpcEndpointServices',
      `<serviceNameSet>${[
        ...['ec2', 's3', 'sagemaker.api', 'sagemaker.runtime', 'sts'].map(
          (kind) => `com.amazonaws.${WIRE_REGION}.${kind}`,
        ),
        `aws.sagemaker.${WIRE_REGION}.notebook`,
        `aws.sagemaker.${WIRE_REGION}.studio`,
      ]
        .map((name) => `<item>${name}</item>`)
        .join('')}</serviceNameSet>`,
    ),
  DescribeVpcs: () =>
    ec2Xml(
      'DescribeVpcs',
      `<vpcSet>${item({ vpcId: WIRE_VPC_ID, ownerId: WIRE_ACCOUNT_ID, state: 'available', cidrBlock: '10.0.0.0/16', isDefault: 'false' })}</vpcSet>`,
    ),
  DescribeVpcEndpoints: () =>
    ec2Xml('DescribeVpcEndpoints', `<vpcEndpointSet>${ENDPOINT_ITEMS}</vpcEndpointSet>`),
  DescribeSubnets: () =>
    ec2Xml(
      'DescribeSubnets',
      `<subnetSet>${WIRE_SUBNET_IDS.map((subnetId, index) => item({ subnetId, vpcId: WIRE_VPC_ID, availabilityZone: `${WIRE_REGION}${'ab'[index]}`, ownerId: WIRE_ACCOUNT_ID, state: 'available' })).join('')}</subnetSet>`,
    ),
  DescribeSecurityGroups: () =>
    ec2Xml(
      'DescribeSecurityGroups',
      `<securityGroupInfo><item><ownerId>${WIRE_ACCOUNT_ID}</ownerId><groupId>${WIRE_ENDPOINT_GROUP_ID}</groupId><groupName>sagemaker-endpoints</groupName><vpcId>${WIRE_VPC_ID}</vpcId><ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>443</fromPort><toPort>443</toPort><groups/><ipRanges><item><cidrIp>10.0.0.0/16</cidrIp></item></ipRanges><ipv6Ranges/><prefixListIds/></item></ipPermissions></item></securityGroupInfo>`,
    ),
  ListAccountAliases: () =>
    queryXml(
      'ListAccountAliases',
      IAM_XMLNS,
      '<IsTruncated>false</IsTruncated><AccountAliases><member>wire-prod</member></AccountAliases>',
    ),
  GetAccountAuthorizationDetails: () =>
    queryXml(
      'GetAccountAuthorizationDetails',
      IAM_XMLNS,
      `<IsTruncated>false</IsTruncated><UserDetailList><member><UserName>alice</UserName><UserId>AIDAALICE</UserId><Arn>arn:aws:iam::${WIRE_ACCOUNT_ID}:user/alice</Arn><Path>/</Path><CreateDate>2024-01-01T00:00:00Z</CreateDate><GroupList/><AttachedManagedPolicies/><UserPolicyList><member><PolicyName>open-notebooks</PolicyName><PolicyDocument>${OPEN_POLICY}</PolicyDocument></member></UserPolicyList></member></UserDetailList><GroupDetailList/><RoleDetailList/><Policies/>`,
    ),
};

/**
 * The healthy awsJson1_1 answer of each SageMaker and Organizations operation, by operation name.
 * The account is a member directly under the root, with SCPs enabled and FullAWSAccess at each level.
 */
export const HEALTHY_JSON: Record<string, () => Record<string, unknown>> = {
  DescribeOrganization: () => ({
    Organization: {
      Id: 'o-wire000000',
      Arn: 'arn:aws:organizations::999988887777:organization/o-wire000000',
      FeatureSet: 'ALL',
      MasterAccountId: '999988887777',
    },
  }),
  ListRoots: () => ({
    Roots: [
      {
        Id: WIRE_ROOT_ID,
        Name: 'Root',
        PolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }],
      },
    ],
  }),
  ListParents: () => ({ Parents: [{ Id: WIRE_ROOT_ID, Type: 'ROOT' }] }),
  ListPoliciesForTarget: () => ({ Policies: [FULL_AWS_ACCESS] }),
  DescribePolicy: () => ({
    Policy: {
      PolicySummary: FULL_AWS_ACCESS,
      Content: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
    },
  }),
  ListNotebookInstances: () => ({
    NotebookInstances: [
      {
        NotebookInstanceName: NOTEBOOK_NAME,
        NotebookInstanceArn: NOTEBOOK_ARN,
        NotebookInstanceStatus: 'InService',
        InstanceType: 'ml.t3.medium',
        CreationTime: 1_700_000_000,
      },
    ],
  }),
  DescribeNotebookInstance: () => ({
    NotebookInstanceName: NOTEBOOK_NAME,
    NotebookInstanceArn: NOTEBOOK_ARN,
    NotebookInstanceStatus: 'InService',
    InstanceType: 'ml.t3.medium',
    SubnetId: WIRE_SUBNET_ID,
    SecurityGroups: ['sg-0a1b2c3d4e5f60718'],
    DirectInternetAccess: 'Disabled',
    RootAccess: 'Disabled',
    CreationTime: 1_700_000_000,
  }),
  ListDomains: () => ({
    Domains: [{ DomainId: DOMAIN_ID, DomainArn: DOMAIN_ARN, DomainName: 'wire', Status: 'InService' }],
  }),
  DescribeDomain: () => ({
    DomainId: DOMAIN_ID,
    DomainArn: DOMAIN_ARN,
    DomainName: 'wire',
    Status: 'InService',
    AuthMode: 'IAM',
    AppNetworkAccessType: 'VpcOnly',
    VpcId: WIRE_VPC_ID,
    SubnetIds: [WIRE_SUBNET_ID],
    DomainSettings: { SecurityGroupIds: ['sg-0a1b2c3d4e5f60718'] },
  }),
};

/** An awsJson1_1 answer (SageMaker) of `body`. */
export function jsonAnswer(body: Record<string, unknown>): WireAnswer {
  return { body: JSON.stringify(body), contentType: AWS_JSON_1_1 };
}

/** `DescribeVpcAttribute` answers the attribute asked for. */
function vpcAttribute(call: WireCall): string {
  const attribute = call.params.get('Attribute') ?? '';
  return ec2Xml(
    'DescribeVpcAttribute',
    `<vpcId>${call.params.get('VpcId')}</vpcId><${attribute}><value>true</value></${attribute}>`,
  );
}

/** The healthy answer to any call of the world. */
export function healthy(call: WireCall): WireAnswer {
  if (call.action === 'DescribeVpcAttribute') return { body: vpcAttribute(call) };
  const json = HEALTHY_JSON[call.action];
  if (json !== undefined) return jsonAnswer(json());
  const body = HEALTHY_BODIES[call.action];
  if (body === undefined) return { status: 400, body: `no canned answer for ${call.action}` };
  return { body: body() };
}

/** A well-formed answer of `action` that holds none of its fields, as a broken gateway might send. */
export function bareAnswer(action: string): string {
  if (action === 'GetCallerIdentity') return queryXml(action, STS_XMLNS, '');
  if (action === 'GetAccountAuthorizationDetails' || action === 'ListAccountAliases') {
    return queryXml(action, IAM_XMLNS, '');
  }
  if (action in HEALTHY_JSON) return '{}';
  return ec2Xml(action, '');
}

/** Clients that send everything to `endpoint`, with fast retries, unpaced (and `options` on top). */
export function wireClients(endpoint: string, options: ClientOptions = {}) {
  return new AwsClients({
    pacer: UNPACED,
    ...options,
    overrides: { endpoint, ...fastClientOverrides(options.maxAttempts ?? 2), ...options.overrides },
  });
}
