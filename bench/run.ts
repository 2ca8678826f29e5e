import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { DEFAULT_LAMBDA_RATE_SHARE } from '../src/collect/defaults.ts';
import {
  type BucketLimit,
  DEFAULT_LATENCY,
  EC2_NON_MUTATING,
  IAM_ACCOUNT,
  SAGEMAKER_ACTION,
} from './aws-limits.ts';
import type { ServerReady } from './aws-server.ts';
import type { WireStats } from './aws-world.ts';
import { compileCacheTrial } from './compile-cache.ts';
import type { OrganizationMeasurement } from './organization.ts';
import { accountSize } from './organization-accounts.ts';
import { measurePrincipals } from './principals.ts';
import type { ScanMeasurement } from './scan-once.ts';
import { SIZES, type SizeName } from './synthetic.ts';

const DEFAULT_SIZES: SizeName[] = ['small', 'medium', 'large'];
const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    /** The latency model: a fixed part per answer and a part per KiB of it (see bench/aws-limits.ts). */
    'latency-base': { type: 'string', default: String(DEFAULT_LATENCY.baseMs) },
    'latency-per-kib': { type: 'string', default: String(DEFAULT_LATENCY.perKibMs) },
    sizes: { type: 'string', default: DEFAULT_SIZES.join(',') },
    /** Also the huge account, which EC2's buckets alone hold to about three minutes. */
    huge: { type: 'boolean', default: false },
    /** The share of each AWS rate the collector's pacing uses (default: the collector's own, the Lambda's). */
    'rate-share': { type: 'string' },
    'import-runs': { type: 'string', default: '7' },
    /** Only the start-up and bundle measurements, not the synthetic accounts. */
    'startup-only': { type: 'boolean', default: false },
    /** Accounts of the synthetic Organization (plan, aggregate, Map wall time). */
    'organization-accounts': { type: 'string', default: '500' },
    /** The Distributed Map's MaxConcurrency, as the stack deploys it by default. */
    'max-concurrency': { type: 'string', default: '20' },
    /** Only the synthetic accounts, not the start-up and bundle measurements. */
    'scans-only': { type: 'boolean', default: false },
  },
});
const BUNDLE = 'dist/scan/index.mjs';
const log = (text: string) => {
  if (!values.json) process.stdout.write(`${text}\n`);
};

/** One size, measured: what the server served and the scan's own numbers. */
interface SizeMeasurement extends ScanMeasurement {
  size: SizeName;
  vpcs: number;
  iamItems: number;
  minimumCalls: Record<string, number>;
  lowerBoundMs: number;
  boundBy: string;
  attempts: Record<string, number>;
  throttled: Record<string, number>;
  loadAverage: { before: number; after: number };
}

const QUIET = { ...process.env, NODE_NO_WARNINGS: '1' };

/** Starts the modelled AWS for `size`, runs one scan against it in a fresh process, then reads what it served. */
async function measureScan(size: SizeName): Promise<SizeMeasurement> {
  const loadBefore = loadavg()[0] as number;
  const server = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/aws-server.ts',
      '--size',
      size,
      '--latency-base',
      values['latency-base'],
      '--latency-per-kib',
      values['latency-per-kib'],
    ],
    { stdio: ['pipe', 'pipe', 'inherit'], env: QUIET },
  );
  const lines = createInterface({ input: server.stdout })[Symbol.asyncIterator]();
  const nextLine = async (what: string) => {
    const line = await lines.next();
    if (line.done) throw new Error(`bench server of ${size} exited before it sent ${what}`);
    return line.value as string;
  };
  const ready = JSON.parse(await nextLine('its endpoint')) as ServerReady;
  const share = values['rate-share'] ? ['--rate-share', values['rate-share']] : [];
  const scan = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'bench/scan-once.ts', '--endpoint', ready.endpoint, ...share],
    {
      encoding: 'utf8',
      maxBuffer: 16 * 2 ** 20,
      env: QUIET,
      // A collector that never finishes is a failed bench, not a hung one.
      timeout: 30 * 60_000,
    },
  );
  server.stdin.write('stats\n');
  const stats = JSON.parse(await nextLine('its stats')) as WireStats;
  if (scan.status !== 0) throw new Error(`bench of ${size} failed: ${scan.stderr}`);
  const measured = JSON.parse(scan.stdout.trim().split('\n').at(-1) as string) as ScanMeasurement;
  const { vpcs, roles, users, groups, policies } = SIZES[size];
  return {
    size,
    vpcs,
    iamItems: roles + users + groups + policies,
    minimumCalls: ready.minimumCalls,
    lowerBoundMs: ready.lowerBoundMs,
    boundBy: ready.boundBy,
    ...stats,
    ...measured,
    loadAverage: { before: loadBefore, after: loadavg()[0] as number },
  };
}

const median = (numbers: number[]) =>
  [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)] as number;

function startupMs(node: string, args: string[], env: NodeJS.ProcessEnv): number {
  const start = performance.now();
  const child = spawnSync(node, args, { env, stdio: 'ignore' });
  if (child.status !== 0) throw new Error(`${node} ${args.join(' ')} exited with ${child.status}`);
  return performance.now() - start;
}

/** Node 24, the Lambda runtime's version, from the npm registry's `node` package (cached by npx). */
function lambdaNode(): string | undefined {
  const found = spawnSync('npx', ['-y', 'node@24', '-e', 'process.stdout.write(process.execPath)'], {
    encoding: 'utf8',
  });
  return found.status === 0 && found.stdout ? found.stdout : undefined;
}

// A cold start of the deployed module: its configuration is read at import, as in Lambda.
const LAMBDA_ENV = {
  ...process.env,
  AWS_REGION: 'eu-west-1',
  FINDINGS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:findings',
  NODE_NO_WARNINGS: '1',
};

function coldImport(node: string, runs: number) {
  const env = LAMBDA_ENV;
  const script = `await import(${JSON.stringify(`${process.cwd()}/${BUNDLE}`)})`;
  const importTimes = Array.from({ length: runs }, () =>
    startupMs(node, ['--input-type=module', '-e', script], env),
  );
  const emptyTimes = Array.from({ length: runs }, () => startupMs(node, ['-e', ''], env));
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  return {
    node: version,
    coldImportMedianMs: Math.round(median(importTimes)),
    emptyNodeMedianMs: Math.round(median(emptyTimes)),
  };
}

const CLI_BIN = 'bin/sagemaker-compliance-scanner.mjs';
const CLI_STARTS = {
  '--version': ['--version'],
  '--help': ['--help'],
  'scan --input demo': ['scan', '--input', 'examples/demo-account.json', '--format', 'json'],
} as const;

/**
 * The installed command's start-up against an empty `node -e 0`, runs interleaved so that both see
 * the same load on the machine. The first run fills Node's compile cache (22.1+) and is left out,
 * as every run of an installed command after its first finds the cache filled.
 */
function cliStartups(node: string, runs: number) {
  const env = { ...process.env, NODE_COMPILE_CACHE: mkdtempSync(join(tmpdir(), 'scanner-bench-cache-')) };
  const accepted = (args: readonly string[]) => (args[0] === 'scan' ? [0, 1] : [0]);
  const once = (args: readonly string[]) => {
    const start = performance.now();
    const child = spawnSync(node, [CLI_BIN, ...args], { env, stdio: 'ignore' });
    if (!accepted(args).includes(child.status ?? -1))
      throw new Error(`${CLI_BIN} ${args.join(' ')} exited ${child.status}`);
    return performance.now() - start;
  };
  const empty: number[] = [];
  const times = Object.fromEntries(Object.keys(CLI_STARTS).map((name) => [name, [] as number[]]));
  for (const args of Object.values(CLI_STARTS)) once(args);
  for (let run = 0; run < runs; run += 1) {
    empty.push(startupMs(node, ['-e', '0'], env));
    for (const [name, args] of Object.entries(CLI_STARTS)) times[name]?.push(once(args));
  }
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  return {
    node: version,
    emptyNodeMedianMs: Math.round(median(empty)),
    medianMs: Object.fromEntries(Object.entries(times).map(([name, ms]) => [name, Math.round(median(ms))])),
  };
}

function measureBundle() {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'ignore' });
  // The entry and the chunks it loads: what the function's code directory holds, less source maps.
  const bytes = Buffer.concat(
    readdirSync(dirname(BUNDLE), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.mjs'))
      .sort()
      .map((file) => readFileSync(join(dirname(BUNDLE), file))),
  );
  const runs = Number(values['import-runs']);
  const node24 = lambdaNode();
  return {
    bytes: bytes.length,
    gzipBytes: gzipSync(bytes).length,
    coldStarts: [coldImport(process.execPath, runs), ...(node24 ? [coldImport(node24, runs)] : [])],
    cliStarts: [cliStartups(process.execPath, runs), ...(node24 ? [cliStartups(node24, runs)] : [])],
    compileCache: node24 ? compileCacheTrial(node24, BUNDLE, runs, LAMBDA_ENV, median) : undefined,
  };
}

const total = (calls: Record<string, number>) => Object.values(calls).reduce((sum, n) => sum + n, 0);
const sizes = [
  ...(values.sizes.split(',') as SizeName[]),
  ...(values.huge ? (['huge'] as const) : []),
].filter((size, index, all) => all.indexOf(size) === index);
for (const size of sizes) {
  if (!(size in SIZES)) throw new Error(`--sizes: "${size}" is not one of ${Object.keys(SIZES).join(', ')}`);
}
const rate = (limit: BucketLimit) => `${limit.capacity} tokens, ${limit.refillPerSecond}/s`;
log(
  `Benchmark on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${loadavg()[0]?.toFixed(1)}`,
);
if (!values['startup-only']) {
  log(
    `AWS modelled as ${values['latency-base']} ms + ${values['latency-per-kib']} ms per KiB of answer; buckets: EC2 ${rate(EC2_NON_MUTATING)} per action and region, IAM ${rate(IAM_ACCOUNT)} per account, SageMaker ${rate(SAGEMAKER_ACTION)} per action and region; the collector paces itself at ${values['rate-share'] ?? `its default rate share, ${DEFAULT_LAMBDA_RATE_SHARE}`}`,
  );
}
const measurements: SizeMeasurement[] = [];
const seconds = (ms: number) => (ms / 1000).toFixed(1);
const thousands = (n: number) => n.toLocaleString('en-US');
if (!values['startup-only']) {
  log('');
  log(
    '| size | VPCs | IAM items | API operations (minimum) | HTTP attempts | throttled | collect wall | lower bound | wall / bound | collect CPU | evaluate CPU | peak RSS | results (ERROR) | load avg |',
  );
  log('|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const size of sizes) {
    const m = await measureScan(size);
    measurements.push(m);
    const operations = total(m.operations);
    const minimum = total(m.minimumCalls);
    const attempts = total(m.attempts);
    const throttled = total(m.throttled);
    log(
      `| ${size} | ${thousands(m.vpcs)} | ${thousands(m.iamItems)} | ${thousands(operations)} (${thousands(minimum)}) | ${thousands(attempts)} | ${thousands(throttled)} (${((100 * throttled) / attempts).toFixed(1)} %) | ${seconds(m.collectMs)} s | ${seconds(m.lowerBoundMs)} s | ${(m.collectMs / m.lowerBoundMs).toFixed(2)} | ${seconds(m.collectCpuMs)} s | ${thousands(m.evaluateCpuMs)} ms | ${m.peakRssMb} MB | ${thousands(m.results)} (${thousands(m.errorResults)}) | ${m.loadAverage.before.toFixed(1)}–${m.loadAverage.after.toFixed(1)} |`,
    );
  }
  for (const m of measurements) {
    const off = Object.keys({ ...m.operations, ...m.minimumCalls })
      .filter((operation) => m.operations[operation] !== m.minimumCalls[operation])
      .map(
        (operation) =>
          `${operation} ${m.operations[operation] ?? 0} (minimum ${m.minimumCalls[operation] ?? 0})`,
      );
    log('');
    log(
      `${m.size}: ${off.length === 0 ? 'every operation at its minimum' : `NOT at the minimum: ${off.join(', ')}`}; lower bound set by ${m.boundBy}; attempts (throttled) by operation: ${Object.entries(
        m.attempts,
      )
        .map(([operation, n]) => `${operation.split(':')[1]} ${n} (${m.throttled[operation] ?? 0})`)
        .join(
          ', ',
        )}${m.collectionErrors.length > 0 ? `; collection errors: ${m.collectionErrors.join(', ')}` : ''}${
        m.errorResults > 0
          ? `; ERROR results: ${Object.entries(m.errorReasons)
              .map(([reason, n]) => `${n} × ${reason.slice(0, 120)}…`)
              .join('; ')}`
          : ''
      }.`,
    );
  }
}
function logBundle(bundle: ReturnType<typeof measureBundle>): void {
  log('');
  log(
    `Lambda bundle ${dirname(BUNDLE)}/ (entry and chunks): ${(bundle.bytes / 1024).toFixed(0)} KiB (${(bundle.gzipBytes / 1024).toFixed(0)} KiB gzipped).`,
  );
  for (const start of bundle.coldStarts) {
    log(
      `  Node ${start.node}: cold import median ${start.coldImportMedianMs} ms vs empty Node start ${start.emptyNodeMedianMs} ms (${(start.coldImportMedianMs / start.emptyNodeMedianMs).toFixed(1)}×; target ≤ 6× on Node 24), bundle target ≤ 1,434 KiB (1.4 MiB).`,
    );
  }
  const cache = bundle.compileCache;
  if (cache) {
    const uid = (accepted: boolean | undefined) =>
      accepted === undefined ? 'not tried' : accepted ? 'accepted' : 'rejected';
    log(
      `  Compile cache built at bundle time (${(cache.cacheBytes / 1024).toFixed(0)} KiB) from a ${cache.readOnly ? 'read-only' : 'writable (no mount namespace here)'} task directory: ${uid(cache.acceptedSameUid)} as the uid that built it, ${uid(cache.acceptedOtherUid)} as another uid; cold import ${cache.withoutCacheMedianMs} ms without it, ${cache.withCacheMedianMs} ms with it.`,
    );
  }
  log('');
  log(
    `CLI start-up (${CLI_BIN}, median of ${values['import-runs']} runs after one that fills the compile cache):`,
  );
  for (const start of bundle.cliStarts) {
    const ratios = Object.entries(start.medianMs).map(
      ([name, ms]) => `${name} ${ms} ms (${(ms / start.emptyNodeMedianMs).toFixed(1)}×)`,
    );
    log(
      `  Node ${start.node}: empty node -e 0 ${start.emptyNodeMedianMs} ms; ${ratios.join(', ')}; target ≤ 3×.`,
    );
  }
}

const principals = values['startup-only']
  ? undefined
  : measurePrincipals(
      log,
      [process.execPath, lambdaNode()].filter((node): node is string => node !== undefined),
    );
function measureOrganization(phase: 'plan' | 'aggregate', throttleEvery: number): OrganizationMeasurement {
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/organization.ts',
      '--phase',
      phase,
      '--accounts',
      values['organization-accounts'],
      '--latency',
      values['latency-base'],
      '--throttle-every',
      String(throttleEvery),
    ],
    { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 },
  );
  if (child.status !== 0) throw new Error(`Organization bench (${phase}) failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as OrganizationMeasurement;
}

/**
 * The Map Run's wall time: accounts start in plan order as slots free up, `slots` at a time, each
 * taking its size's scan time. The lower bound is the total scan time spread evenly over the slots.
 */
function mapWallTime(
  scanSeconds: Record<'small' | 'medium' | 'large', number>,
  accounts: number,
  slots: number,
) {
  const free = Array.from({ length: slots }, () => 0);
  let total = 0;
  for (let index = 0; index < accounts; index += 1) {
    const seconds = scanSeconds[accountSize(index)];
    total += seconds;
    const slot = free.indexOf(Math.min(...free));
    free[slot] = (free[slot] as number) + seconds;
  }
  return { wallSeconds: Math.max(...free), lowerBoundSeconds: total / slots, serialSeconds: total };
}

let organization: { plan: OrganizationMeasurement[]; aggregate: OrganizationMeasurement } | undefined;
if (!values['startup-only']) {
  const plan = [measureOrganization('plan', 0), measureOrganization('plan', 50)];
  const aggregate = measureOrganization('aggregate', 0);
  organization = { plan, aggregate };
  const accounts = Number(values['organization-accounts']);
  log('');
  log(
    `Organization of ${accounts} accounts (${values['latency-base']} ms per request, 20 OUs, every 20th account large, every 4th medium):`,
  );
  for (const m of plan) {
    log(
      `  plan: ${(m.wallMs / 1000).toFixed(1)} s for ${m.calls} Organizations calls${m.throttled > 0 ? `, ${m.throttled} of them throttled (1 in 50)` : ', none throttled'}; ${(m.wallMs / m.accounts).toFixed(0)} ms per account; peak RSS ${m.peakRssMb} MB.`,
    );
  }
  log(
    `  aggregate: ${(aggregate.wallMs / 1000).toFixed(1)} s for ${aggregate.accounts} stored reports (${(aggregate.reportBytes / 2 ** 20).toFixed(0)} MiB of JSON, ${aggregate.calls} S3 reads); peak RSS ${aggregate.peakRssMb} MB (${aggregate.rssBeforeMb} MB before it); target < 30 s (${(aggregate.wallMs / 30_000).toFixed(2)} of it) and < 512 MB (${(aggregate.peakRssMb / 512).toFixed(2)} of it).`,
  );
  const measured = (size: SizeName) => measurements.find((m) => m.size === size);
  const secondsOf = (size: 'small' | 'medium' | 'large', assumed: number) => {
    const m = measured(size);
    return m === undefined ? assumed : (m.collectMs + m.evaluateWallMs) / 1000;
  };
  const scanSeconds = {
    small: secondsOf('small', 5),
    medium: secondsOf('medium', 30),
    large: secondsOf('large', 120),
  };
  const slots = Number(values['max-concurrency']);
  const map = mapWallTime(scanSeconds, accounts, slots);
  log(
    `  Map Run at MaxConcurrency ${slots} (scan per account: small ${scanSeconds.small.toFixed(1)} s, medium ${scanSeconds.medium.toFixed(1)} s, large ${scanSeconds.large.toFixed(1)} s${measurements.length === 0 ? ', assumed' : ', measured above'}): ${(map.wallSeconds / 60).toFixed(1)} min, against ${(map.lowerBoundSeconds / 60).toFixed(1)} min evenly spread and ${(map.serialSeconds / 60).toFixed(0)} min one account at a time (${(map.serialSeconds / map.wallSeconds).toFixed(1)}× faster).`,
  );
}

const bundle = values['scans-only'] ? undefined : measureBundle();
if (bundle) logBundle(bundle);
if (values.json) {
  process.stdout.write(
    `${JSON.stringify({ node: process.version, latency: { baseMs: Number(values['latency-base']), perKibMs: Number(values['latency-per-kib']) }, sizes: measurements, principals, organization, bundle }, null, 2)}\n`,
  );
}
