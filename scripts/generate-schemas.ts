import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { reportSchema } from '../src/model/report-schema.ts';
import { snapshotSchema } from '../src/model/snapshot.ts';

/** The published schemas, by path from the repository root. */
export const SCHEMA_FILES = {
  'schemas/snapshot.schema.json': () =>
    z.toJSONSchema(
      snapshotSchema.meta({
        title: 'SageMaker compliance scanner snapshot (evidence file)',
        description: 'snapshotVersion 1; fields keep the AWS API names and casing',
      }),
      { io: 'input', unrepresentable: 'any' },
    ),
  'schemas/report.schema.json': () => z.toJSONSchema(reportSchema, { io: 'output', unrepresentable: 'any' }),
} as const;

/** Each schema as a JSON value, by path. */
export function generateSchemas(): Record<string, unknown> {
  return Object.fromEntries(Object.entries(SCHEMA_FILES).map(([path, build]) => [path, build()]));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = new URL('../', import.meta.url);
  const paths = Object.keys(SCHEMA_FILES);
  for (const [path, schema] of Object.entries(generateSchemas())) {
    await writeFile(new URL(path, root), `${JSON.stringify(schema, null, 2)}\n`, 'utf8');
  }
  // Formatted as `npm run lint` expects, so regenerating never leaves a lint failure behind.
  execFileSync('npx', ['biome', 'format', '--write', ...paths], { cwd: root, stdio: 'inherit' });
}
