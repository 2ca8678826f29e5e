import { rule as iamPolicyPresignedUrlSourceIp } from './iam-policy-presigned-url-source-ip.ts';
import { rule as iamPrincipalPresignedUrlSourceIp } from './iam-principal-presigned-url-source-ip.ts';
import type { Rule } from './types.ts';
import { rule as vpcSageMakerEndpoints } from './vpc-sagemaker-endpoints.ts';
import { rule as vpcSageMakerPrivateDns } from './vpc-sagemaker-private-dns.ts';

/** Every rule, by id. Explicit (no globbing) so the Lambda bundle contains exactly these. */
export const RULES: readonly Rule[] = [
  iamPolicyPresignedUrlSourceIp,
  iamPrincipalPresignedUrlSourceIp,
  vpcSageMakerEndpoints,
  vpcSageMakerPrivateDns,
];
