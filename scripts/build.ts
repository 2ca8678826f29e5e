import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';

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
 * `mainFields` prefers each package's ESM build, which tree-shakes better. No bundled CommonJS
 * module requires a Node built-in (the only one, ipaddr.js, requires nothing), so the bundle needs
 * no `createRequire` banner; the bundle test runs it on Node 24 to prove that.
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
    target: 'node24',
    mainFields: ['module', 'main'],
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
