import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APPROVED_CIDR, PRINCIPALS_50K, writePrincipalSnapshot } from './principal-snapshot.ts';
import type { StageMeasurement } from './principals-stages.ts';

/** The targets of judging 50,000 principals from an evidence file. */
const TARGET_WALL_S = 6;
const TARGET_RSS_MB = 700;
const CLI_BIN = 'bin/sagemaker-compliance-scanner.mjs';

export interface PrincipalsMeasurement {
  principals: number;
  fileMb: number;
  /** The installed command, `scan --input FILE --format json > /dev/null`: median of the runs. */
  cliWallMs: number[];
  cliCpuMs: number[];
  cliPeakRssMb: number[];
  stages: StageMeasurement;
}

const median = (numbers: number[]) =>
  [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)] as number;

/** One run of the built CLI, its own CPU time and peak RSS read at its exit. */
function cliRun(file: string, directory: string) {
  const usageFile = join(directory, 'usage.json');
  const start = performance.now();
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      './bench/rusage-at-exit.mjs',
      CLI_BIN,
      'scan',
      '--input',
      file,
      '--allowed-cidrs',
      APPROVED_CIDR,
      '--format',
      'json',
    ],
    {
      env: { ...process.env, BENCH_RUSAGE_FILE: usageFile },
      stdio: ['ignore', openSync('/dev/null', 'w'), 'pipe'],
    },
  );
  const wallMs = performance.now() - start;
  // Findings exit 1: the generated account has them, by design.
  if (child.status !== 0 && child.status !== 1) throw new Error(`${CLI_BIN} scan failed: ${child.stderr}`);
  const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { cpuMs: number; peakRssKb: number };
  return { wallMs, cpuMs: usage.cpuMs, peakRssMb: usage.peakRssKb / 1024 };
}

/**
 * Judges the generated 50,000-principal evidence file: the built CLI end to end (`runs` times), and
 * once stage by stage (parse and validation, evaluation, JSON output) in a process of its own.
 * Prints one table and returns the numbers.
 */
export function measurePrincipals(log: (text: string) => void, runs = 3): PrincipalsMeasurement {
  execFileSync('npx', ['tsx', 'scripts/build.ts', 'cli'], { stdio: 'ignore' });
  const directory = mkdtempSync(join(tmpdir(), 'scanner-bench-principals-'));
  try {
    const file = join(directory, 'principals.json');
    const bytes = writePrincipalSnapshot(file, PRINCIPALS_50K);
    const cli = Array.from({ length: runs }, () => cliRun(file, directory));
    const staged = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/principals-stages.ts', '--input', file],
      { encoding: 'utf8' },
    );
    if (staged.status !== 0) throw new Error(`bench of the principal stages failed: ${staged.stderr}`);
    const stages = JSON.parse(staged.stdout.trim().split('\n').at(-1) as string) as StageMeasurement;
    const measurement: PrincipalsMeasurement = {
      principals: PRINCIPALS_50K.users + PRINCIPALS_50K.roles,
      fileMb: Math.round(bytes / 2 ** 20),
      cliWallMs: cli.map((run) => Math.round(run.wallMs)),
      cliCpuMs: cli.map((run) => Math.round(run.cpuMs)),
      cliPeakRssMb: cli.map((run) => Math.round(run.peakRssMb)),
      stages,
    };
    const wallS = median(measurement.cliWallMs) / 1000;
    const rssMb = median(measurement.cliPeakRssMb);
    const seconds = (ms: number) => (ms / 1000).toFixed(1);
    log('');
    log(
      `Judging ${measurement.principals.toLocaleString('en')} IAM principals from a ${measurement.fileMb} MB evidence file (${CLI_BIN} scan --input --format json > /dev/null, median of ${runs}; stages from one run of their own):`,
    );
    log(
      '| wall s | CPU s | parse + validation s | evaluation CPU s | JSON output s | report MB | results | peak RSS MB | wall / 6 s | RSS / 700 MB |',
    );
    log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    log(
      `| ${wallS.toFixed(1)} | ${seconds(median(measurement.cliCpuMs))} | ${seconds(stages.parseMs)} | ${seconds(stages.evaluateCpuMs)} | ${seconds(stages.outputMs)} | ${Math.round(stages.outputBytes / 2 ** 20)} | ${stages.results} | ${rssMb} | ${(wallS / TARGET_WALL_S).toFixed(2)} | ${(rssMb / TARGET_RSS_MB).toFixed(2)} |`,
    );
    return measurement;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
