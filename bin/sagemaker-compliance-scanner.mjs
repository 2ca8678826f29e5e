#!/usr/bin/env node
import module from 'node:module';

// Node 22.1 and later keep the compiled code of the bundle on disk (in the OS temporary
// directory), which halves the start-up of every later run; Node 20 has no such cache.
module.enableCompileCache?.();

try {
  await import('../dist/cli/sagemaker-compliance-scanner.mjs');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli/')) throw error;
  process.stderr.write(
    'error: the CLI is not built; run npm run build (or use npm run scan from a checkout)\n',
  );
  process.exitCode = 2;
}
