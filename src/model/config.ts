/** The configuration a rule may read. Rules never read the environment or the clock. */
export interface RuleConfig {
  /** Approved source ranges (IPv4 and IPv6 CIDRs) for `aws:SourceIp`; empty means "none configured". */
  allowedSourceCidrs: string[];
  /** Leave default VPCs out of the VPC rules. */
  skipDefaultVpcs: boolean;
  /** VPC endpoint IDs that presigned-URL conditions may name beside the account's own, e.g. a shared-services account's. */
  approvedVpces?: string[];
}

export const DEFAULT_RULE_CONFIG: RuleConfig = { allowedSourceCidrs: [], skipDefaultVpcs: false };
