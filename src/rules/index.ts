import { rule as iamPolicyPresignedDomainUrlSourceIp } from './iam-policy-presigned-domain-url-source-ip.ts';
import { rule as iamPolicyPresignedUrlSourceIp } from './iam-policy-presigned-url-source-ip.ts';
import { rule as iamPresignedUrlApprovedEndpoints } from './iam-presigned-url-approved-endpoints.ts';
import { rule as iamPrincipalPresignedDomainUrlSourceIp } from './iam-principal-presigned-domain-url-source-ip.ts';
import { rule as iamPrincipalPresignedUrlSourceIp } from './iam-principal-presigned-url-source-ip.ts';
import { rule as sageMakerDomainVpcOnly } from './sagemaker-domain-vpc-only.ts';
import { rule as sageMakerNotebookNetwork } from './sagemaker-notebook-network.ts';
import { rule as sageMakerNotebookRootAccess } from './sagemaker-notebook-root-access.ts';
import { rule as sageMakerPrivatePath } from './sagemaker-private-path.ts';
import type { Rule } from './types.ts';
import { rule as vpcSageMakerEndpoints } from './vpc-sagemaker-endpoints.ts';
import { rule as vpcSageMakerPrivateDns } from './vpc-sagemaker-private-dns.ts';

/** Every rule, by id. Explicit (no globbing) so the Lambda bundle contains exactly these. */
export const RULES: readonly Rule[] = [
  iamPolicyPresignedDomainUrlSourceIp,
  iamPolicyPresignedUrlSourceIp,
  iamPresignedUrlApprovedEndpoints,
  iamPrincipalPresignedDomainUrlSourceIp,
  iamPrincipalPresignedUrlSourceIp,
  sageMakerDomainVpcOnly,
  sageMakerNotebookNetwork,
  sageMakerNotebookRootAccess,
  sageMakerPrivatePath,
  vpcSageMakerEndpoints,
  vpcSageMakerPrivateDns,
];
