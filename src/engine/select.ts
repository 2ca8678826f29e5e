import { UserInputError } from '../model/errors.ts';
import type { InventorySection } from '../model/inventory.ts';
import { RULES } from '../rules/index.ts';
import type { Rule } from '../rules/types.ts';

/** The rules with these ids, in registry order; all of them when no ids are given. */
export function selectRules(ids: readonly string[] | undefined, source = 'rules'): Rule[] {
  if (ids === undefined || ids.length === 0) return [...RULES];
  const known = new Set(RULES.map((rule) => rule.meta.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new UserInputError(
      `${source}: unknown rule id ${unknown.map((id) => `"${id}"`).join(', ')} (known: ${[...known].join(', ')})`,
    );
  }
  return RULES.filter((rule) => ids.includes(rule.meta.id));
}

/** Everything the given rules read, so collection fetches that and nothing else. */
export function sectionsNeeded(rules: readonly Rule[]): Set<InventorySection> {
  return new Set(rules.flatMap((rule) => rule.meta.needs));
}
