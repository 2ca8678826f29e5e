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
