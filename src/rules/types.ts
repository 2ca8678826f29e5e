import type { RuleConfig } from '../model/config.ts';
import type { Inventory, InventorySection } from '../model/inventory.ts';
import type { ResultDraft, Severity, SkippedScope } from '../model/result.ts';

export interface RuleMeta {
  /** Equal to the rule's file name. */
  id: string;
  title: string;
  severity: Severity;
  /** CloudFormation-style type of the judged resource, e.g. `AWS::EC2::VPC`. */
  resourceType: string;
  /**
   * The inventory sections the rule reads; collection fetches nothing else, and the IAM read actions
   * it takes come from these sections (src/collect/sections).
   */
  needs: InventorySection[];
  rationale: string;
  remediation: { text: string; cli?: string };
  references: string[];
}

export interface RuleContext {
  inventory: Inventory;
  config: RuleConfig;
}

export interface RuleOutput {
  results: ResultDraft[];
  skipped: SkippedScope[];
  /** What the rule looked at beyond its results, e.g. `{ principals: 120 }`. */
  evaluated?: Record<string, number>;
}

/** A rule is a pure function of the inventory and the configuration: no AWS calls, clock or env. */
export interface Rule {
  meta: RuleMeta;
  check(context: RuleContext): RuleOutput;
}
