import { openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { judgeSnapshot } from '../src/engine/judge.ts';
import { loadSnapshot } from '../src/model/snapshot.ts';
import { jsonChunks } from '../src/report/json.ts';
import { RULES } from '../src/rules/index.ts';
import { APPROVED_CIDR } from './principal-snapshot.ts';

/** One scan of an evidence file split into its stages, in a fresh process so that peak RSS is its own. */
export interface StageMeasurement {
  parseMs: number;
  parseCpuMs: number;
  evaluateMs: number;
  evaluateCpuMs: number;
  outputMs: number;
  outputBytes: number;
  results: number;
  peakRssMb: number;
}

const { values } = parseArgs({ options: { input: { type: 'string' } } });
const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const timed = <T>(work: () => T) => {
  const start = performance.now();
  const startCpu = cpuMs();
  const value = work();
  return { value, ms: performance.now() - start, cpuMs: cpuMs() - startCpu };
};

const startParse = performance.now();
const startParseCpu = cpuMs();
const inventory = await loadSnapshot(values.input as string, 500 * 2 ** 20);
const parse = { ms: performance.now() - startParse, cpuMs: cpuMs() - startParseCpu };
const evaluation = timed(() =>
  judgeSnapshot(
    { kind: 'snapshot', inventory, regions: undefined },
    { rules: RULES, config: { allowedSourceCidrs: [APPROVED_CIDR], skipDefaultVpcs: false } },
  ),
);
const sink = openSync('/dev/null', 'w');
const output = timed(() => {
  let bytes = 0;
  for (const chunk of jsonChunks(evaluation.value.report)) bytes += writeSync(sink, chunk);
  return bytes;
});
const measurement: StageMeasurement = {
  parseMs: Math.round(parse.ms),
  parseCpuMs: Math.round(parse.cpuMs),
  evaluateMs: Math.round(evaluation.ms),
  evaluateCpuMs: Math.round(evaluation.cpuMs),
  outputMs: Math.round(output.ms),
  outputBytes: output.value,
  results: evaluation.value.report.results.length,
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
};
process.stdout.write(`${JSON.stringify(measurement)}\n`);
