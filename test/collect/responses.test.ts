import { describe, expect, it } from 'vitest';
import { checkListing, checkResponse, IncompleteResponseError } from '../../src/collect/responses.ts';

describe('checkResponse', () => {
  it.each([
    ['ec2:DescribeVpcs', {}, { Vpcs: [] }],
    [
      'ec2:DescribeVpcAttribute',
      { Attribute: 'enableDnsHostnames' },
      { VpcId: 'vpc-1', EnableDnsHostnames: { Value: false } },
    ],
    ['ec2:DescribeRegions', {}, { Regions: [{ RegionName: 'eu-west-1' }] }],
    ['ec2:DescribeSubnets', {}, { Subnets: [] }],
    ['sagemaker:ListNotebookInstances', {}, { NotebookInstances: [] }],
    [
      'sagemaker:DescribeNotebookInstance',
      {},
      {
        NotebookInstanceArn: 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/ds-1',
        NotebookInstanceName: 'ds-1',
        NotebookInstanceStatus: 'InService',
      },
    ],
    ['sagemaker:ListDomains', {}, { Domains: [] }],
    [
      'sagemaker:DescribeDomain',
      {},
      { DomainId: 'd-1', DomainArn: 'arn:aws:sagemaker:eu-west-1:111122223333:domain/d-1' },
    ],
    [
      'iam:GetAccountAuthorizationDetails',
      {},
      { UserDetailList: [], GroupDetailList: [], RoleDetailList: [], Policies: [], IsTruncated: false },
    ],
  ])(
    'accepts %s answering with every field AWS always sends, empty lists included',
    (operation, input, output) => {
      // Act
      const checking = () => checkResponse(operation, input, output);

      // Assess
      expect(checking).not.toThrow();
    },
  );

  it.each([
    ['ec2:DescribeVpcs', {}, { Vpcs: 'vpc-1' }, 'DescribeVpcs answered without Vpcs (list)'],
    [
      'ec2:DescribeVpcAttribute',
      { Attribute: 'enableDnsSupport' },
      { VpcId: 'vpc-1', EnableDnsHostnames: { Value: true } },
      'DescribeVpcAttribute answered without EnableDnsSupport.Value (boolean)',
    ],
    ['ec2:DescribeRegions', {}, { Regions: [] }, 'DescribeRegions answered with an empty Regions'],
    [
      'iam:GetAccountAuthorizationDetails',
      {},
      { UserDetailList: [], GroupDetailList: [], RoleDetailList: [], Policies: [] },
      'GetAccountAuthorizationDetails answered without IsTruncated (boolean)',
    ],
    [
      'sts:GetCallerIdentity',
      {},
      { Account: '111122223333' },
      'GetCallerIdentity answered without Arn (string), UserId (string)',
    ],
    ['ec2:DescribeSubnet', {}, { Subnets: [] }, 'DescribeSubnet has no declared response contract'],
    ['ec2:DescribeSubnets', {}, {}, 'DescribeSubnets answered without Subnets (list)'],
    [
      'sagemaker:ListNotebookInstances',
      {},
      {},
      'ListNotebookInstances answered without NotebookInstances (list)',
    ],
    [
      'sagemaker:DescribeNotebookInstance',
      { NotebookInstanceName: 'ds-1' },
      { NotebookInstanceName: 'ds-1' },
      'DescribeNotebookInstance answered without NotebookInstanceArn (string), NotebookInstanceStatus (string)',
    ],
    ['sagemaker:ListDomains', {}, {}, 'ListDomains answered without Domains (list)'],
    [
      'sagemaker:DescribeDomain',
      { DomainId: 'd-1' },
      { DomainId: 'd-1' },
      'DescribeDomain answered without DomainArn (string)',
    ],
  ])('rejects %s answering %j for %j', (operation, input, output, message) => {
    // Act
    const checking = () => checkResponse(operation, input, output);

    // Assess
    expect(checking).toThrow(IncompleteResponseError);
    expect(checking).toThrow(message);
  });
});

describe('checkListing', () => {
  it.each([
    ['com.amazonaws.eu-west-1.s3', 'eu-west-1'],
    ['cn.com.amazonaws.cn-north-1.s3', 'cn-north-1'],
  ])('accepts an endpoint-services listing holding %s in %s', (anchor, region) => {
    // Act
    const checking = () => checkListing('ec2:DescribeVpcEndpointServices', region, [anchor]);

    // Assess
    expect(checking).not.toThrow();
  });

  it('rejects a listing that holds only the region of another name, naming the service it lacks', () => {
    // Act
    const checking = () =>
      checkListing('ec2:DescribeVpcEndpointServices', 'eu-west-1', ['com.amazonaws.us-east-1.s3']);

    // Assess
    expect(checking).toThrow(
      'DescribeVpcEndpointServices listed 1 ServiceNames in eu-west-1 but not com.amazonaws.eu-west-1.s3',
    );
  });
});
