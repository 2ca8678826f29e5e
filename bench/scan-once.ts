import { parseArgs } from 'node:util';
import { AwsClients } from '../src/collect/clients.ts';
import { collectLive } from '../src/collect/index.ts';
import { evaluate } from '../src/engine/evaluate.ts';
import { sectionsNeeded } from '../src/engine/select.ts';
import { RULES } from '../src/rules/index.ts';
import { REGIONS } from './synthetic.ts';

/**
 * One scan of the account a bench server serves, in a fresh process so that CPU and peak RSS are
 * the scanner's own (the synthetic account lives in the server's process).
 */
export interface ScanMeasurement {
  operations: Record<string, number>;
  collectMs: number;
  collectCpuMs: number;
  evaluateCpuMs: number;
  evaluateWallMs: number;
  results: number;
  errorResults: number;
  /** The ERROR results by rule and message, to tell a throttled section from the world's own gaps. */
  errorReasons: Record<string, number>;
  collectionErrors: string[];
  peakRssMb: number;
}

const { values } = parseArgs({ options: { endpoint: { type: 'string' }, 'rate-share': { type: 'string' } } });
if (!values.endpoint) throw new Error('--endpoint (the bench server, http://127.0.0.1:PORT) is required');

// The collector's own defaults (retries, timeouts, region concurrency, pacing at the Lambda's rate
// share): only where its requests go, whose credentials sign them and, when asked, the rate share
// are the bench's.
const clients = new AwsClients({
  ...(values['rate-share'] ? { rateShare: Number(values['rate-share']) } : {}),
  overrides: {
    endpoint: values.endpoint,
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' },
  },
});

const collectCpuStart = process.cpuUsage();
const collectStart = performance.now();
const { inventory } = await collectLive({
  clients,
  regions: REGIONS,
  homeRegion: REGIONS[0] as string,
  needs: sectionsNeeded(RULES),
});
const collectMs = performance.now() - collectStart;
const collectCpu = process.cpuUsage(collectCpuStart);

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

const errors = evaluation.results.filter((result) => result.status === 'ERROR');
const collectionErrors = inventory.accounts.flatMap((account) => [
  ...(account.unreadable ? [`account: ${account.unreadable.code}`] : []),
  ...(account.collectionErrors ?? []).map((error) => `${error.section}: ${error.code}`),
  ...account.regions.flatMap((region) =>
    (region.collectionErrors ?? []).map((error) => `${region.region} ${error.section}: ${error.code}`),
  ),
]);
const measurement: ScanMeasurement = {
  operations: clients.counter.toJSON(),
  collectMs: Math.round(collectMs),
  collectCpuMs: Math.round((collectCpu.user + collectCpu.system) / 1000),
  evaluateCpuMs: Math.round((cpu.user + cpu.system) / 1000),
  evaluateWallMs: Math.round(evaluateWallMs),
  results: evaluation.results.length,
  errorResults: errors.length,
  errorReasons: errors.reduce<Record<string, number>>((reasons, result) => {
    // One line per kind of reason, not per resource: ids and numbers are left out.
    const reason = `${result.ruleId}: ${result.message.replace(/\b[a-z]+-[0-9a-f]+\b/g, '…').replace(/\d+/g, 'N')}`;
    reasons[reason] = (reasons[reason] ?? 0) + 1;
    return reasons;
  }, {}),
  collectionErrors,
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
};
process.stdout.write(`${JSON.stringify(measurement)}\n`);
