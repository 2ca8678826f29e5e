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

/** The installed command, `scan --input FILE --format json > /dev/null`, on one Node. */
export interface CliRuns {
  node: string;
  wallMs: number[];
  cpuMs: number[];
  peakRssMb: number[];
}

export interface PrincipalsMeasurement {
  principals: number;
  fileMb: number;
  cli: CliRuns[];
  stages: StageMeasurement;
}

const median = (numbers: number[]) =>
  [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)] as number;

/** One run of the built CLI, its own CPU time and peak RSS read at its exit. */
function cliRun(node: string, file: string, directory: string) {
  const usageFile = join(directory, 'usage.json');
  const start = performance.now();
  const child = spawnSync(
    node,
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
 * Judges the generated 50,000-principal evidence file: the built CLI end to end (`runs` times on
 * each of `nodes`, taking turns so that a change in the machine's load falls on both), and once
 * stage by stage (parse and validation, evaluation, JSON output) in a process of its own. Prints
 * one table and returns the numbers.
 */
export function measurePrincipals(
  log: (text: string) => void,
  nodes: readonly string[],
  runs = 3,
): PrincipalsMeasurement {
  execFileSync('npx', ['tsx', 'scripts/build.ts', 'cli'], { stdio: 'ignore' });
  const directory = mkdtempSync(join(tmpdir(), 'scanner-bench-principals-'));
  try {
    const file = join(directory, 'principals.json');
    const bytes = writePrincipalSnapshot(file, PRINCIPALS_50K);
    const cli: CliRuns[] = nodes.map((node) => ({
      node: execFileSync(node, ['--version'], { encoding: 'utf8' }).trim(),
      wallMs: [],
      cpuMs: [],
      peakRssMb: [],
    }));
    for (let run = 0; run < runs; run++) {
      nodes.forEach((node, index) => {
        const measured = cliRun(node, file, directory);
        const runsOfNode = cli[index] as CliRuns;
        runsOfNode.wallMs.push(Math.round(measured.wallMs));
        runsOfNode.cpuMs.push(Math.round(measured.cpuMs));
        runsOfNode.peakRssMb.push(Math.round(measured.peakRssMb));
      });
    }
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
      cli,
      stages,
    };
    const seconds = (ms: number) => (ms / 1000).toFixed(1);
    log('');
    log(
      `Judging ${measurement.principals.toLocaleString('en')} IAM principals from a ${measurement.fileMb} MB evidence file (${CLI_BIN} scan --input --format json > /dev/null, median of ${runs} on each Node):`,
    );
    log('| Node | wall s (runs) | CPU s | peak RSS MB | wall / 6 s | RSS / 700 MB |');
    log('|---|---:|---:|---:|---:|---:|');
    for (const runsOfNode of cli) {
      const wallS = median(runsOfNode.wallMs) / 1000;
      const rssMb = median(runsOfNode.peakRssMb);
      log(
        `| ${runsOfNode.node} | ${wallS.toFixed(1)} (${runsOfNode.wallMs.map(seconds).join(', ')}) | ${seconds(median(runsOfNode.cpuMs))} | ${rssMb} | ${(wallS / TARGET_WALL_S).toFixed(2)} | ${(rssMb / TARGET_RSS_MB).toFixed(2)} |`,
      );
    }
    log(
      `Stages (${process.version}, one run of their own, through tsx): parse + validation ${seconds(stages.parseMs)} s, evaluation ${seconds(stages.evaluateMs)} s (${seconds(stages.evaluateCpuMs)} s CPU), JSON output ${seconds(stages.outputMs)} s; ${Math.round(stages.outputBytes / 2 ** 20)} MB report, ${stages.results.toLocaleString('en')} results, peak RSS ${stages.peakRssMb} MB.`,
    );
    return measurement;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
