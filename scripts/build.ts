import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { LAMBDA_BUNDLE } from './lambda-bundle.ts';
import { pureSdkSchemas } from './pure-sdk-schemas.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { engines } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
};
/** The oldest Node the package's `engines` admits, so the bundle uses no syntax newer than it runs. */
const CLI_TARGET = `node${engines.node.replace(/^>=/, '')}`;

/** The Lambda functions, by the name `npm run build` and the stack give them, and their handler modules. */
export const LAMBDA_ENTRIES = {
  scan: join(ROOT, 'src/handlers/scan.ts'),
  /** The Organization mode's `plan` and `aggregate` steps. */
  'org-plan': join(ROOT, 'src/handlers/org-plan.ts'),
  'org-aggregate': join(ROOT, 'src/handlers/org-aggregate.ts'),
} as const;
export type LambdaName = keyof typeof LAMBDA_ENTRIES;
export const DEFAULT_OUT_DIR = join(ROOT, 'dist/scan');
export const CLI_ENTRY_POINT = join(ROOT, 'src/main.ts');
/** Where bin/sagemaker-compliance-scanner.mjs finds the CLI: the package ships this directory. */
export const DEFAULT_CLI_OUT_DIR = join(ROOT, 'dist/cli');
export const CLI_ENTRY_NAME = 'sagemaker-compliance-scanner';

export interface BundleResult {
  /** The entry module. */
  outfile: string;
  /** Every module of the bundle (the entry and its chunks), without source maps. */
  files: string[];
  metafile: Metafile;
  /** The size of {@link files}. */
  bytes: number;
}

/**
 * What the Lambda functions and the CLI are bundled alike with: split ESM chunks, each package's
 * ESM build, the shared banner and version, and the SDK schema plugin.
 */
const SHARED_OPTIONS = {
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  mainFields: [...LAMBDA_BUNDLE.mainFields],
  banner: { js: LAMBDA_BUNDLE.banner },
  define: { ...LAMBDA_BUNDLE.define },
  plugins: [pureSdkSchemas],
  metafile: true,
  logLevel: 'warning',
} satisfies BuildOptions;

/** The modules esbuild wrote, and their size: source maps and the metafile are not code. */
function modulesOf(metafile: Metafile): Pick<BundleResult, 'files' | 'bytes'> {
  const modules = Object.entries(metafile.outputs).filter(([path]) => path.endsWith('.mjs'));
  return {
    files: modules.map(([path]) => resolve(ROOT, path)),
    bytes: modules.reduce((sum, [, output]) => sum + output.bytes, 0),
  };
}

/**
 * Bundles a Lambda function for the `nodejs24.x` runtime: ESM with the AWS SDK inside, so the SDK
 * version the tests ran is the one deployed (the runtime's built-in SDK is not used). The entry is
 * `index.mjs`; code splitting puts what the collectors import when they run in `chunks/`, which
 * keeps esbuild from wrapping the SDK modules and so lets it drop the clients' unused commands.
 * The settings shared with the CDK stack are in {@link LAMBDA_BUNDLE}. The stack deploys this
 * function's output (infra/lambda-code.ts), and the bundle test runs it on Node 24.
 *
 * @example await bundleLambda('scan', 'dist/scan'); // dist/scan/index.mjs, chunks/ and source maps
 */
export async function bundleLambda(name: LambdaName, outDir: string): Promise<BundleResult> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: { index: LAMBDA_ENTRIES[name] },
    ...SHARED_OPTIONS,
    outdir: outDir,
    target: LAMBDA_BUNDLE.target,
    minify: true,
    sourcemap: true,
  });
  return { outfile: join(outDir, 'index.mjs'), metafile: result.metafile, ...modulesOf(result.metafile) };
}

/** The scan function's bundle (dist/scan by default). */
export function bundleScanHandler(outDir = DEFAULT_OUT_DIR): Promise<BundleResult> {
  return bundleLambda('scan', outDir);
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
    ...SHARED_OPTIONS,
    outdir: outDir,
    target: CLI_TARGET,
    minifyWhitespace: true,
    minifySyntax: true,
  });
  return {
    outfile: join(outDir, `${CLI_ENTRY_NAME}.mjs`),
    metafile: result.metafile,
    ...modulesOf(result.metafile),
  };
}

function isLambdaName(name: string | undefined): name is LambdaName {
  return name !== undefined && Object.hasOwn(LAMBDA_ENTRIES, name);
}

/**
 * `tsx scripts/build.ts [lambda|cli]` builds dist/ (all by default): the three functions and the CLI, with the scan bundle's
 * esbuild metafile beside it as dist/scan.meta.json. `tsx scripts/build.ts function NAME DIR` builds
 * one function into DIR, for the stack's asset bundling.
 */
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [mode, name, outDir] = process.argv.slice(2);
  if (mode === 'function') {
    if (!isLambdaName(name) || outDir === undefined) {
      throw new Error(
        `usage: build.ts function NAME DIR, NAME one of ${Object.keys(LAMBDA_ENTRIES).join(', ')}`,
      );
    }
    await bundleLambda(name, outDir);
  } else {
    if (mode !== 'cli') {
      const { outfile, bytes, metafile } = await bundleScanHandler();
      await writeFile(`${DEFAULT_OUT_DIR}.meta.json`, JSON.stringify(metafile));
      process.stdout.write(`${outfile}: ${(bytes / 1024).toFixed(0)} KiB with its chunks\n`);
      for (const step of ['org-plan', 'org-aggregate'] as const) {
        const bundle = await bundleLambda(step, join(ROOT, 'dist', step));
        process.stdout.write(`${bundle.outfile}: ${(bundle.bytes / 1024).toFixed(0)} KiB with its chunks\n`);
      }
    }
    if (mode !== 'lambda') {
      const { outfile, bytes } = await bundleCli();
      process.stdout.write(`${outfile}: ${(bytes / 1024).toFixed(0)} KiB with its chunks\n`);
    }
  }
}
