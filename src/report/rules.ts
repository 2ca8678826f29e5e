import { RULES } from '../rules/index.ts';

export function formatRules(format: 'table' | 'json'): string {
  const metas = RULES.map((rule) => rule.meta);
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
