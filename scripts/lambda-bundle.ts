import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/**
 * The esbuild settings of the Lambda bundle, shared by `npm run build` (scripts/build.ts, which the
 * tests run on Node 24) and the CDK stack (infra/lambda-code.ts, which runs that script), so the tested bundle and the
 * deployed one are built alike. The CLI bundle takes its `mainFields`, `banner` and `define` too.
 */
export const LAMBDA_BUNDLE = {
  target: 'node24',
  /** Each package's ESM build first: it tree-shakes better. */
  mainFields: ['module', 'main'],
  /**
   * An ESM bundle has no `require`; CommonJS dependencies that require Node built-ins (the `yaml`
   * parser behind suppressions files does) get one from `createRequire`.
   */
  banner:
    "import { createRequire as __scannerCreateRequire } from 'node:module'; const require = __scannerCreateRequire(import.meta.url);",
  /** The version the report names, fixed at build time: the bundle does not ship package.json. */
  define: { __SCANNER_VERSION__: JSON.stringify(version) },
} as const;
