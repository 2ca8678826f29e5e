import { describe, expect, it } from 'vitest';
import { consoleUrl } from '../../src/report/console.ts';
import { formatEmail } from '../../src/report/email.ts';
import { report, result } from '../support/report.ts';

describe('consoleUrl', () => {
  it.each([
    [
      'a VPC',
      { resourceType: 'AWS::EC2::VPC', resourceId: 'vpc-0abc', region: 'eu-west-1' },
      'https://console.aws.amazon.com/vpcconsole/home?region=eu-west-1#VpcDetails:VpcId=vpc-0abc',
    ],
    [
      'an interface endpoint',
      { resourceType: 'AWS::EC2::VPCEndpoint', resourceId: 'vpce-0abc', region: 'us-east-1' },
      'https://console.aws.amazon.com/vpcconsole/home?region=us-east-1#EndpointDetails:vpcEndpointId=vpce-0abc',
    ],
    [
      'an IAM user with a path',
      {
        resourceType: 'AWS::IAM::User',
        resourceId: 'arn:aws:iam::111122223333:user/team/sam',
        resourceArn: 'arn:aws:iam::111122223333:user/team/sam',
        region: 'global',
      },
      'https://console.aws.amazon.com/iam/home#/users/details/sam',
    ],
    [
      'an IAM role',
      {
        resourceType: 'AWS::IAM::Role',
        resourceId: 'arn:aws:iam::111122223333:role/ml',
        resourceArn: 'arn:aws:iam::111122223333:role/ml',
        region: 'global',
      },
      'https://console.aws.amazon.com/iam/home#/roles/details/ml',
    ],
    [
      'a managed policy',
      {
        resourceType: 'AWS::IAM::Policy',
        resourceId: 'open-notebooks',
        resourceArn: 'arn:aws:iam::111122223333:policy/open-notebooks',
        region: 'global',
      },
      'https://console.aws.amazon.com/iam/home#/policies/details/arn%3Aaws%3Aiam%3A%3A111122223333%3Apolicy%2Fopen-notebooks',
    ],
    [
      'a VPC in the China partition',
      { resourceType: 'AWS::EC2::VPC', resourceId: 'vpc-0abc', region: 'cn-north-1' },
      'https://console.amazonaws.cn/vpcconsole/home?region=cn-north-1#VpcDetails:VpcId=vpc-0abc',
    ],
  ])('links %s to its console page', (_case, resource, url) => {
    // Act
    const link = consoleUrl(resource);

    // Assess
    expect(link).toBe(url);
  });

  it('gives no link for a region that could not be read', () => {
    // Act
    const link = consoleUrl({
      resourceType: 'AWS::EC2::Region',
      resourceId: 'eu-north-1',
      region: 'eu-north-1',
    });

    // Assess
    expect(link).toBeUndefined();
  });

  it('encodes what came from AWS, so a name cannot forge a link or a line', () => {
    // Prepare
    const arn = 'arn:aws:iam::111122223333:user/a b\n#x';

    // Act
    const link = consoleUrl({
      resourceType: 'AWS::IAM::User',
      resourceId: arn,
      resourceArn: arn,
      region: 'global',
    });

    // Assess
    expect(link).toBe('https://console.aws.amazon.com/iam/home#/users/details/a%20b%0A%23x');
  });

  it('links a VPC whose id holds a lone surrogate instead of failing the email', () => {
    // Act
    const link = consoleUrl({
      resourceType: 'AWS::EC2::VPC',
      resourceId: 'vpc-\uD800x',
      region: 'eu-west-1',
    });

    // Assess
    expect(link).toBe(
      'https://console.aws.amazon.com/vpcconsole/home?region=eu-west-1#VpcDetails:VpcId=vpc-%EF%BF%BDx',
    );
  });

  it('puts the link below each failing resource in the email', () => {
    // Act
    const lines = formatEmail(report([result('FAIL', 'vpc-0abc', 'no endpoints')])).split('\n');

    // Assess
    const at = lines.findIndex((line) => line.includes('vpc-0abc  no endpoints'));
    expect(lines[at + 1]).toBe(
      '    Console: https://console.aws.amazon.com/vpcconsole/home?region=eu-west-1#VpcDetails:VpcId=vpc-0abc',
    );
  });
});
