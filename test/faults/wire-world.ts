import { AwsClients, type ClientOptions } from '../../src/collect/clients.ts';
import {
  ec2Xml,
  fastClientOverrides,
  IAM_XMLNS,
  queryXml,
  STS_XMLNS,
  type WireAnswer,
  type WireCall,
} from '../support/aws-faults.ts';

/**
 * One account in one region, as AWS's query protocols send it: a VPC with available api and
 * runtime endpoints and DNS on (the VPC rules PASS), and one user whose inline policy lets it
 * create presigned notebook URLs from anywhere (the IAM rules FAIL). Every operation the scanner
 * calls has a real answer here, so a fault on one of them shows as a changed result.
 */
export const WIRE_ACCOUNT_ID = '111122223333';
export const WIRE_REGION = 'eu-west-1';
export const WIRE_VPC_ID = 'vpc-0a1b2c3d4e5f60718';

const item = (fields: Record<string, string>) =>
  `<item>${Object.entries(fields)
    .map(([key, value]) => `<${key}>${value}</${key}>`)
    .join('')}</item>`;

function endpointItem(id: string, kind: string): string {
  return item({
    vpcEndpointId: id,
    vpcEndpointType: 'Interface',
    vpcId: WIRE_VPC_ID,
    serviceName: `com.amazonaws.${WIRE_REGION}.${kind}`,
    state: 'available',
    privateDnsEnabled: 'true',
    ownerId: WIRE_ACCOUNT_ID,
  });
}

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
      `<serviceNameSet>${['ec2', 's3', 'sagemaker.api', 'sagemaker.runtime']
        .map((kind) => `<item>com.amazonaws.${WIRE_REGION}.${kind}</item>`)
        .join('')}</serviceNameSet>`,
    ),
  DescribeVpcs: () =>
    ec2Xml(
      'DescribeVpcs',
      `<vpcSet>${item({ vpcId: WIRE_VPC_ID, ownerId: WIRE_ACCOUNT_ID, state: 'available', cidrBlock: '10.0.0.0/16', isDefault: 'false' })}</vpcSet>`,
    ),
  DescribeVpcEndpoints: () =>
    ec2Xml(
      'DescribeVpcEndpoints',
      `<vpcEndpointSet>${endpointItem('vpce-0a1b2c3d4e5f60001', 'sagemaker.api')}${endpointItem('vpce-0a1b2c3d4e5f60002', 'sagemaker.runtime')}</vpcEndpointSet>`,
    ),
  GetAccountAuthorizationDetails: () =>
    queryXml(
      'GetAccountAuthorizationDetails',
      IAM_XMLNS,
      `<IsTruncated>false</IsTruncated><UserDetailList><member><UserName>alice</UserName><UserId>AIDAALICE</UserId><Arn>arn:aws:iam::${WIRE_ACCOUNT_ID}:user/alice</Arn><Path>/</Path><CreateDate>2024-01-01T00:00:00Z</CreateDate><GroupList/><AttachedManagedPolicies/><UserPolicyList><member><PolicyName>open-notebooks</PolicyName><PolicyDocument>${OPEN_POLICY}</PolicyDocument></member></UserPolicyList></member></UserDetailList><GroupDetailList/><RoleDetailList/><Policies/>`,
    ),
};

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
  const body = HEALTHY_BODIES[call.action];
  if (body === undefined) return { status: 400, body: `no canned answer for ${call.action}` };
  return { body: body() };
}

/** A well-formed answer of `action` that holds none of its fields, as a broken gateway might send. */
export function bareAnswer(action: string): string {
  if (action === 'GetCallerIdentity') return queryXml(action, STS_XMLNS, '');
  if (action === 'GetAccountAuthorizationDetails') return queryXml(action, IAM_XMLNS, '');
  return ec2Xml(action, '');
}

/** Clients that send everything to `endpoint`, with fast retries (and `options` on top). */
export function wireClients(endpoint: string, options: ClientOptions = {}) {
  return new AwsClients({
    ...options,
    overrides: { endpoint, ...fastClientOverrides(options.maxAttempts ?? 2), ...options.overrides },
  });
}
