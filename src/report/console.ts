import type { Result } from '../model/result.ts';
import { partitionOf } from './asff.ts';

const CONSOLE_HOST: Record<string, string> = {
  aws: 'https://console.aws.amazon.com',
  'aws-cn': 'https://console.amazonaws.cn',
  'aws-us-gov': 'https://console.amazonaws-us-gov.com',
};

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** URL-encodes a name from the inventory, which may hold a lone surrogate that `encodeURIComponent` refuses. */
function encode(value: string): string {
  return encodeURIComponent(value.replace(LONE_SURROGATE, '\uFFFD'));
}

const IAM_ARN = /^arn:[a-z-]+:iam::\d{12}:(user|role|policy)\/(?:.*\/)?([^/]+)$/;

/**
 * The AWS console page of a result's resource: the VPC, the endpoint, or the IAM user, role or
 * managed policy (an inline policy links to its user or role). Undefined when there is no page,
 * e.g. for a region that could not be read. Ids are URL-encoded, so no name can forge a link.
 *
 * @example consoleUrl(result) // https://console.aws.amazon.com/vpcconsole/home?region=eu-west-1#VpcDetails:VpcId=vpc-0abc
 */
export function consoleUrl(
  result: Pick<Result, 'resourceType' | 'resourceId' | 'resourceArn' | 'region'>,
): string | undefined {
  const host = CONSOLE_HOST[partitionOf(result.region, result.resourceArn)];
  if (host === undefined) return undefined;
  const id = encode(result.resourceId);
  const region = encode(result.region);
  if (result.resourceType === 'AWS::EC2::VPC' && result.resourceId.startsWith('vpc-'))
    return `${host}/vpcconsole/home?region=${region}#VpcDetails:VpcId=${id}`;
  if (result.resourceType === 'AWS::EC2::VPCEndpoint' && result.resourceId.startsWith('vpce-'))
    return `${host}/vpcconsole/home?region=${region}#EndpointDetails:vpcEndpointId=${id}`;
  const iam = IAM_ARN.exec(result.resourceArn ?? '');
  if (iam === null) return undefined;
  const [arn, kind, name] = iam as unknown as [string, string, string];
  const page = kind === 'policy' ? encode(arn) : encode(name);
  return `${host}/iam/home#/${kind === 'user' ? 'users' : kind === 'role' ? 'roles' : 'policies'}/details/${page}`;
}

const S3_ADDRESS = /^s3:\/\/([^/]+)\/(.+)$/;

/**
 * The S3 console page of a stored report (`s3://bucket/key`), or of the folder that holds it: a
 * reader of the email can open that after signing in, where an `s3://` address opens nothing.
 * Undefined for anything that is not an `s3://` address.
 *
 * @example s3ConsoleUrl('s3://reports/r/1/a.json', 'eu-west-1') // https://console.aws.amazon.com/s3/object/reports?region=eu-west-1&prefix=r/1/a.json
 */
export function s3ConsoleUrl(
  address: string,
  bucketRegion: string,
  page: 'object' | 'folder' = 'object',
): string | undefined {
  const match = S3_ADDRESS.exec(address);
  const host = CONSOLE_HOST[partitionOf(bucketRegion)];
  if (match === null || host === undefined) return undefined;
  const [, bucket, key] = match as unknown as [string, string, string];
  const prefix = page === 'object' ? key : key.slice(0, key.lastIndexOf('/') + 1);
  // Slashes stay as they are: they are allowed in a query and keep the link short.
  const query = `region=${encode(bucketRegion)}&prefix=${encode(prefix).replaceAll('%2F', '/')}`;
  return `${host}/s3/${page === 'object' ? 'object' : 'buckets'}/${encode(bucket)}?${query}`;
}
