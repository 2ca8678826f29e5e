import { join } from 'node:path';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.ts';
import type { Report } from '../../src/model/report.ts';
import { CSV_COLUMNS } from '../../src/report/csv.ts';
import { fakeIo } from '../support/cli-io.ts';

const DEMO = join(new URL('../../', import.meta.url).pathname, 'examples/demo-account.json');

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const io = fakeIo({ env });
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

async function demoReport(): Promise<Report> {
  return JSON.parse((await run(['scan', '--input', DEMO, '--format', 'json'])).out) as Report;
}

describe('scan --format csv and asff', () => {
  it('writes one CSV row per result of the scan, with the exit code of the scan', async () => {
    // Prepare
    const report = await demoReport();

    // Act
    const { code, out, err } = await run(['scan', '--input', DEMO, '--format', 'csv']);

    // Assess
    const lines = out.split('\r\n');
    expect(err).toBe('');
    expect(code).toBe(1);
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(report.results.length + 2);
  });

  it('writes one ASFF finding per result, global IAM findings in the AWS_REGION Security Hub', async () => {
    // Prepare
    const report = await demoReport();

    // Act
    const { code, out } = await run(['scan', '--input', DEMO, '--format', 'asff'], {
      AWS_REGION: 'eu-central-1',
    });

    // Assess
    const findings = JSON.parse(out) as AwsSecurityFinding[];
    expect(code).toBe(1);
    expect(findings.map((finding) => finding.Id)).toEqual(
      report.results.map((result) => `sagemaker-compliance-scanner/${result.id}`),
    );
    const global = report.results.findIndex((result) => result.region === 'global');
    expect(global).toBeGreaterThanOrEqual(0);
    expect(findings[global]?.ProductArn).toBe(
      'arn:aws:securityhub:eu-central-1:111122223333:product/111122223333/default',
    );
  });
});
