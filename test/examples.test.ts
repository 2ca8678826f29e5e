import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.ts';
import type { Report } from '../src/model/report.ts';
import { fakeIo } from './support/cli-io.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const DEMO = `${ROOT}examples/demo-account.json`;
const SUPPRESSIONS = `${ROOT}examples/suppressions.example.json`;

describe('the shipped suppressions example', () => {
  // Today's clock on purpose: the day an example entry would expire under a user (or stand
  // beyond the default horizon), this fails, and the example's dates are moved forward.
  it('loads under the default horizon today, and each entry mutes a FAIL of the demo account', async () => {
    // Prepare
    const io = fakeIo();

    // Act
    const code = await main(
      ['scan', '--input', DEMO, '--suppressions', SUPPRESSIONS, '--format', 'json'],
      io,
    );

    // Assess
    expect(io.err()).toBe('');
    expect(code).toBe(1);
    const report = JSON.parse(io.out()) as Report;
    expect(report.expiredSuppressions).toEqual([]);
    expect(report.unusedSuppressions).toEqual([]);
    const muted = report.results.filter((result) => result.muted !== undefined);
    expect(muted.map((result) => [result.muted?.entry, result.ruleId, result.resourceId])).toEqual([
      [1, 'sagemaker-notebook-root-access', 'staging-explore'],
      [0, 'vpc-sagemaker-endpoints', 'vpc-0d44c0ffee0000004'],
    ]);
  });
});
