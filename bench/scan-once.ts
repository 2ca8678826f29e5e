import { parseArgs } from 'node:util';
import { AwsClients } from '../src/collect/clients.ts';
import { collectLive } from '../src/collect/index.ts';
import { evaluate } from '../src/engine/evaluate.ts';
import { sectionsNeeded } from '../src/engine/select.ts';
import { RULES } from '../src/rules/index.ts';
import { minimumCalls, serveAccount } from './mock-aws.ts';
import { REGIONS, SIZES, type SizeName, syntheticAccount } from './synthetic.ts';

/** One measured scan of one synthetic account, in a fresh process so peak RSS is its own. */
export interface SizeMeasurement {
  size: SizeName;
  vpcs: number;
  iamItems: number;
  regionConcurrency: number;
  latencyMs: number;
  apiCalls: Record<string, number>;
  minimumCalls: Record<string, number>;
  collectMs: number;
  evaluateCpuMs: number;
  evaluateWallMs: number;
  results: number;
  resultsPerSecond: number;
  rssBeforeScanMb: number;
  peakRssMb: number;
}

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'small' },
    concurrency: { type: 'string', default: '4' },
    latency: { type: 'string', default: '40' },
  },
});
const size = values.size as SizeName;
if (!(size in SIZES)) throw new Error(`--size must be one of ${Object.keys(SIZES).join(', ')}`);
const regionConcurrency = Number(values.concurrency);
const latencyMs = Number(values.latency);

const account = syntheticAccount(size);
const clients = new AwsClients({
  overrides: { credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' } },
});
serveAccount(account, latencyMs, clients);
const rssBeforeScanMb = process.memoryUsage().rss / 2 ** 20;

const collectStart = performance.now();
const { inventory } = await collectLive({
  clients,
  regions: REGIONS,
  homeRegion: REGIONS[0] as string,
  needs: sectionsNeeded(RULES),
  regionConcurrency,
});
const collectMs = performance.now() - collectStart;

// Collect the garbage of the collection first, so that the evaluation's CPU time is the rules' own.
(globalThis as { gc?: () => void }).gc?.();
const cpuStart = process.cpuUsage();
const evaluateStart = performance.now();
const evaluation = evaluate(inventory, RULES, {
  allowedSourceCidrs: ['203.0.113.0/24'],
  skipDefaultVpcs: false,
});
const evaluateWallMs = performance.now() - evaluateStart;
const cpu = process.cpuUsage(cpuStart);

const measurement: SizeMeasurement = {
  size,
  vpcs: SIZES[size].vpcs,
  iamItems: SIZES[size].roles + SIZES[size].users + SIZES[size].groups + SIZES[size].policies,
  regionConcurrency,
  latencyMs,
  apiCalls: clients.counter.toJSON(),
  minimumCalls: minimumCalls(account, sectionsNeeded(RULES)),
  collectMs: Math.round(collectMs),
  evaluateCpuMs: Math.round((cpu.user + cpu.system) / 1000),
  evaluateWallMs: Math.round(evaluateWallMs),
  results: evaluation.results.length,
  resultsPerSecond: Math.round(evaluation.results.length / ((collectMs + evaluateWallMs) / 1000)),
  rssBeforeScanMb: Math.round(rssBeforeScanMb),
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
};
process.stdout.write(`${JSON.stringify(measurement)}\n`);
