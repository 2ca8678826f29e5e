import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { sectionsNeeded } from '../src/engine/select.ts';
import { RULES } from '../src/rules/index.ts';
import { startFakeAws } from '../test/support/aws-faults.ts';
import { lowerBoundMs } from './aws-limits.ts';
import { minimumCalls, minimumLoads, modelledAws, worldAnswer } from './aws-world.ts';
import { SIZES, type SizeName, syntheticAccount } from './synthetic.ts';

/**
 * The modelled AWS of one synthetic account, in a process of its own so that the scan's CPU and
 * peak RSS are the scanner's alone. Prints one JSON line when it listens (its endpoint, the
 * account's minimum calls and lower bound), then on the line `stats` on stdin prints what it served
 * and exits.
 */
export interface ServerReady {
  endpoint: string;
  minimumCalls: Record<string, number>;
  lowerBoundMs: number;
  /** The bucket that sets the lower bound. */
  boundBy: string;
}

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'small' },
    'latency-base': { type: 'string', default: '30' },
    'latency-per-kib': { type: 'string', default: '0.5' },
  },
});
const size = values.size as SizeName;
if (!(size in SIZES)) throw new Error(`--size must be one of ${Object.keys(SIZES).join(', ')}`);
const latency = { baseMs: Number(values['latency-base']), perKibMs: Number(values['latency-per-kib']) };

const account = syntheticAccount(size);
const needs = sectionsNeeded(RULES);
const bound = lowerBoundMs(minimumLoads(account, needs, latency));
const aws = modelledAws(worldAnswer(account), { latency });
const server = await startFakeAws(aws.answer);
const ready: ServerReady = {
  endpoint: server.endpoint,
  minimumCalls: minimumCalls(account, needs),
  lowerBoundMs: Math.round(bound.ms),
  boundBy: bound.bucket,
};
process.stdout.write(`${JSON.stringify(ready)}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === 'stats') {
    process.stdout.write(`${JSON.stringify(aws.stats())}\n`);
    await server.close();
    process.exit(0);
  }
}
