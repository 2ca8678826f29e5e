import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { LAMBDA_BUNDLE } from './lambda-bundle.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const ENTRY_POINT = join(ROOT, 'src/handlers/scan.ts');
export const DEFAULT_OUT_DIR = join(ROOT, 'dist/scan');

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
  const outfile = join(outDir, 'index.mjs');
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: [ENTRY_POINT],
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

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { outfile, bytes } = await bundleScanHandler();
  process.stdout.write(`${outfile}: ${(bytes / 1024).toFixed(0)} KiB\n`);
}
