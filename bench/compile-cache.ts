import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A Lambda-like uid other than the one that built the cache (Lambda runs code as sbx_user1051). */
const OTHER_UID = '993';

export interface CompileCacheTrial {
  readOnly: boolean;
  cacheBytes: number;
  /** Whether V8 accepted the cache: as the builder's uid, and as another uid (undefined: not tried). */
  acceptedSameUid: boolean;
  acceptedOtherUid?: boolean;
  withoutCacheMedianMs: number;
  withCacheMedianMs: number;
}

function makeReadable(path: string): void {
  chmodSync(path, statSync(path).isDirectory() ? 0o755 : 0o644);
  if (statSync(path).isDirectory()) for (const name of readdirSync(path)) makeReadable(join(path, name));
}

function bytesUnder(path: string): number {
  if (!statSync(path).isDirectory()) return statSync(path).size;
  return readdirSync(path).reduce((sum, name) => sum + bytesUnder(join(path, name)), 0);
}

/**
 * Whether Node's compile cache, written at bundle time next to the bundle and shipped with it, helps a
 * cold start from Lambda's read-only /var/task. A copy of the bundle in a fresh directory stands for
 * the asset; the cache is written once there (portable: keyed by the path relative to the cache), then
 * the directory is mounted read-only (a bind mount in a private mount namespace, where the machine
 * allows it) for every timed import.
 */
export function compileCacheTrial(
  node: string,
  bundle: string,
  runs: number,
  env: NodeJS.ProcessEnv,
  median: (numbers: number[]) => number,
): CompileCacheTrial {
  const task = mkdtempSync(join(tmpdir(), 'scanner-task-'));
  const entry = join(task, 'index.mjs');
  const cache = join(task, '.node-compile-cache');
  // The whole code directory: the entry imports its chunks.
  cpSync(dirname(bundle), task, { recursive: true });
  const importing = (withCache: boolean) =>
    `${withCache ? `(await import('node:module')).default.enableCompileCache({ directory: ${JSON.stringify(cache)}, portable: true });` : ''} await import(${JSON.stringify(entry)});`;
  const build = spawnSync(
    node,
    [
      '--input-type=module',
      '-e',
      `${importing(true)} (await import('node:module')).default.flushCompileCache();`,
    ],
    { env },
  );
  if (build.status !== 0) throw new Error(`writing the compile cache failed: ${build.stderr}`);
  // Node writes its cache files for the owner only; a Lambda asset must be world-readable.
  makeReadable(task);
  const readOnly = spawnSync('unshare', ['-m', 'true']).status === 0;
  const asUser = (uid?: string) =>
    uid === undefined ? [] : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups'];
  const command = (withCache: boolean, uid?: string): [string, string[]] => {
    const run = [...asUser(uid), node, '--input-type=module', '-e', importing(withCache)];
    if (!readOnly) return [run[0] as string, run.slice(1)];
    const mount = `mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && exec "$@"`;
    return ['unshare', ['-m', 'sh', '-c', mount, task, ...run]];
  };
  const accepted = (uid?: string) => {
    const [program, args] = command(true, uid);
    const run = spawnSync(program, args, {
      env: { ...env, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' },
      encoding: 'utf8',
    });
    return run.status === 0 && run.stderr.includes('was accepted');
  };
  const timed = (withCache: boolean) => {
    const [program, args] = command(withCache);
    const start = performance.now();
    const run = spawnSync(program, args, { env, stdio: 'ignore' });
    if (run.status !== 0)
      throw new Error(`cold import ${withCache ? 'with' : 'without'} the compile cache failed`);
    return performance.now() - start;
  };
  const without: number[] = [];
  const withCache: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    without.push(timed(false));
    withCache.push(timed(true));
  }
  const canSwitchUser = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0;
  return {
    readOnly,
    cacheBytes: bytesUnder(cache),
    acceptedSameUid: accepted(),
    acceptedOtherUid: canSwitchUser ? accepted(OTHER_UID) : undefined,
    withoutCacheMedianMs: Math.round(median(without)),
    withCacheMedianMs: Math.round(median(withCache)),
  };
}
