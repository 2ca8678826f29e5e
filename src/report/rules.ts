import { permissionsFor } from '../collect/sections/index.ts';
import { RULES } from '../rules/index.ts';
import type { RuleMeta } from '../rules/types.ts';

/** A rule's metadata with the read actions its sections take, where `needs` says what it reads. */
function listed(meta: RuleMeta) {
  const { id, title, severity, resourceType, needs, ...rest } = meta;
  return { id, title, severity, resourceType, needs, permissions: permissionsFor(needs), ...rest };
}

export function formatRules(format: 'table' | 'json'): string {
  const metas = RULES.map((rule) => listed(rule.meta));
  if (format === 'json') return `${JSON.stringify(metas, null, 2)}\n`;
  return metas
    .map((meta) =>
      [
        `${meta.id}  [${meta.severity}]  ${meta.resourceType}`,
        `  ${meta.title}`,
        `  Why: ${meta.rationale}`,
        `  Fix: ${meta.remediation.text}`,
        ...(meta.remediation.cli ? [`       ${meta.remediation.cli}`] : []),
        `  Reads: ${meta.needs.join(', ')}   Permissions: ${meta.permissions.join(', ')}`,
        ...meta.references.map((url) => `  See: ${url}`),
      ].join('\n'),
    )
    .join('\n\n')
    .concat('\n');
}
