import { main, tolerateClosedStdout } from './cli.ts';

// The CLI contract keeps stderr for progress and one-line errors; the SDK's notice that its
// future releases need Node 22 would otherwise precede every live scan on Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

tolerateClosedStdout(process.stdout, process.stderr);
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
