/**
 * The AWS SDK values the collectors call, in one module that collectors import when they run. The
 * section files are also imported for their snapshot schemas (`scan --input`, `--help`), which must
 * not load the SDK; naming each value here keeps the bundles tree-shaken.
 */
export {
  DescribeRegionsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointServicesCommand,
  paginateDescribeSubnets,
  paginateDescribeVpcEndpoints,
  paginateDescribeVpcs,
} from '@aws-sdk/client-ec2';
export { paginateGetAccountAuthorizationDetails } from '@aws-sdk/client-iam';
export {
  DescribeDomainCommand,
  DescribeNotebookInstanceCommand,
  paginateListDomains,
  paginateListNotebookInstances,
} from '@aws-sdk/client-sagemaker';
