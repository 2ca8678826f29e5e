import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { LAMBDA_BUNDLE } from './lambda-bundle.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { engines } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
};
/** The oldest Node the package's `engines` admits, so the bundle uses no syntax newer than it runs. */
const CLI_TARGET = `node${engines.node.replace(/^>=/, '')}`;

export const ENTRY_POINT = join(ROOT, 'src/handlers/scan.ts');
export const DEFAULT_OUT_DIR = join(ROOT, 'dist/scan');
/** The Organization mode's `plan` and `aggregate` Lambdas, bundled like the scan Lambda. */
export const ORGANIZATION_ENTRY_POINTS = {
  'org-plan': join(ROOT, 'src/handlers/org-plan.ts'),
  'org-aggregate': join(ROOT, 'src/handlers/org-aggregate.ts'),
} as const;
export type OrganizationHandler = keyof typeof ORGANIZATION_ENTRY_POINTS;
export const CLI_ENTRY_POINT = join(ROOT, 'src/main.ts');
/** Where bin/sagemaker-compliance-scanner.mjs finds the CLI: the package ships this directory. */
export const DEFAULT_CLI_OUT_DIR = join(ROOT, 'dist/cli');
export const CLI_ENTRY_NAME = 'sagemaker-compliance-scanner';

export interface BundleResult {
  outfile: string;
  metafile: Metafile;
  bytes: number;
}

/**
 * Bundles the scan handler for the `nodejs24.x` runtime: one ESM file with the AWS SDK inside, so
 * the SDK version the tests ran is the one deployed (the runtime's built-in SDK is not used).
 * The settings shared with the CDK stack are in {@link LAMBDA_BUNDLE}; the bundle test runs the
 * result on Node 24.
 *
 * @example await bundleScanHandler(); // dist/scan/index.mjs, index.mjs.map and meta.json
 */
export async function bundleScanHandler(outDir = DEFAULT_OUT_DIR): Promise<BundleResult> {
  return bundleLambda(ENTRY_POINT, outDir);
}

/**
 * Bundles the Organization mode's `plan` or `aggregate` Lambda as {@link bundleScanHandler} does.
 *
 * @example await bundleOrganizationHandler('org-plan'); // dist/org-plan/index.mjs
 */
export async function bundleOrganizationHandler(
  name: OrganizationHandler,
  outDir = join(ROOT, 'dist', name),
): Promise<BundleResult> {
  return bundleLambda(ORGANIZATION_ENTRY_POINTS[name], outDir);
}

async function bundleLambda(entryPoint: string, outDir: string): Promise<BundleResult> {
  const outfile = join(outDir, 'index.mjs');
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: [entryPoint],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: LAMBDA_BUNDLE.target,
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    banner: { js: LAMBDA_BUNDLE.banner },
    define: { ...LAMBDA_BUNDLE.define },
    minify: true,
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
  });
  await writeFile(join(outDir, 'meta.json'), JSON.stringify(result.metafile));
  const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith('index.mjs'));
  return { outfile, metafile: result.metafile, bytes: output?.[1].bytes ?? 0 };
}

/**
 * Bundles the CLI for the Node versions `engines` admits. Code splitting keeps the AWS SDK, which
 * only a live scan imports (dynamically), out of the entry chunk: `--help`, `--version` and
 * `--input` scans never load it. Identifiers stay unminified, so that `--debug` stacks name
 * functions.
 *
 * @example await bundleCli(); // dist/cli/sagemaker-compliance-scanner.mjs and its chunks
 */
export async function bundleCli(outDir = DEFAULT_CLI_OUT_DIR): Promise<BundleResult> {
  await rm(outDir, { recursive: true, force: true });
  const result = await build({
    entryPoints: { [CLI_ENTRY_NAME]: CLI_ENTRY_POINT },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: CLI_TARGET,
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    banner: { js: LAMBDA_BUNDLE.banner },
    define: { ...LAMBDA_BUNDLE.define },
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    logLevel: 'warning',
  });
  const outfile = join(outDir, `${CLI_ENTRY_NAME}.mjs`);
  const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  return { outfile, metafile: result.metafile, bytes };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const only = process.argv[2];
  if (only !== 'cli') {
    for (const bundle of [
      await bundleScanHandler(),
      await bundleOrganizationHandler('org-plan'),
      await bundleOrganizationHandler('org-aggregate'),
    ]) {
      process.stdout.write(`${bundle.outfile}: ${(bundle.bytes / 1024).toFixed(0)} KiB\n`);
    }
  }
  if (only !== 'lambda') {
    const { outfile, bytes } = await bundleCli();
    process.stdout.write(`${outfile}: ${(bytes / 1024).toFixed(0)} KiB with its chunks\n`);
  }
}
