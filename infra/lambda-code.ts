import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { LambdaName } from '../scripts/build.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUILD_SCRIPT = join(ROOT, 'scripts/build.ts');

/**
 * The function's code: `scripts/build.ts` bundles it, exactly as `npm run build` and the bundle
 * test do. Not NodejsFunction: its esbuild runs from the command line, which takes no plugins, and
 * without ours (scripts/pure-sdk-schemas.ts) the deployed bundle would carry 1.2 MiB of SDK schemas
 * the tested one does not. The build runs in a child process because CDK bundles synchronously and
 * esbuild plugins need its asynchronous API.
 *
 * Each staged file (by its name in the bundle) is copied next to the handler, where the function
 * reads it under `/var/task`. The asset hash covers the output, so a changed list or exception
 * redeploys the function.
 */
export function bundledCode(name: LambdaName, stagedFiles: Record<string, string> = {}): lambda.Code {
  return lambda.Code.fromAsset(join(ROOT, 'src'), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never pulled: local bundling always answers, or fails the synth with esbuild's message.
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs24.x'),
      local: {
        tryBundle(outputDir) {
          bundleInto(name, outputDir, stagedFiles);
          return true;
        },
      },
    },
  });
}

/** Runs `tsx scripts/build.ts function NAME DIR`, then copies the staged files into DIR. */
export function bundleInto(name: LambdaName, outputDir: string, stagedFiles: Record<string, string>): void {
  const tsx = createRequire(import.meta.url).resolve('tsx/cli');
  execFileSync(process.execPath, [tsx, BUILD_SCRIPT, 'function', name, outputDir], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (const [fileName, staged] of Object.entries(stagedFiles)) {
    copyFileSync(staged, join(outputDir, fileName));
  }
}
