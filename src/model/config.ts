/** The configuration a rule may read. Rules never read the environment or the clock. */
export interface RuleConfig {
  /** Approved source ranges (IPv4 and IPv6 CIDRs) for `aws:SourceIp`; empty means "none configured". */
  allowedSourceCidrs: string[];
  /** Leave default VPCs out of the VPC rules. */
  skipDefaultVpcs: boolean;
}

export const DEFAULT_RULE_CONFIG: RuleConfig = { allowedSourceCidrs: [], skipDefaultVpcs: false };
