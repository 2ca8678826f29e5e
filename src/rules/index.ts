import type { Rule } from './types.ts';
import { rule as vpcSageMakerEndpoints } from './vpc-sagemaker-endpoints.ts';
import { rule as vpcSageMakerPrivateDns } from './vpc-sagemaker-private-dns.ts';

/** Every rule, by id. Explicit (no globbing) so the Lambda bundle contains exactly these. */
export const RULES: readonly Rule[] = [vpcSageMakerEndpoints, vpcSageMakerPrivateDns];
