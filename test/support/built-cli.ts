import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { bundleCli } from '../../scripts/build.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The bundled CLI entry, as `npm run build` writes it: what the installed command runs. */
    builtCli: string;
  }
}

/**
 * Global setup: bundles the CLI once per test run into a directory of its own, so that tests spawn
 * the compiled command that ships, and a concurrent `npm run build` cannot change it under them.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const outDir = await mkdtemp(join(tmpdir(), 'scanner-cli-build-'));
  const { outfile } = await bundleCli(outDir);
  project.provide('builtCli', outfile);
  return () => rm(outDir, { recursive: true, force: true });
}
