import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AccessDeniedException,
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  InvalidAccessException,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.ts';
import type { Report } from '../../src/model/report.ts';
import { CSV_COLUMNS } from '../../src/report/csv.ts';
import { fakeIo } from '../support/cli-io.ts';
import { endpoint, inventory, region, serviceName, vpc } from '../support/inventory.ts';

const DEMO = join(new URL('../../', import.meta.url).pathname, 'examples/demo-account.json');

const CREDENTIALS = { credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const io = fakeIo({ env, clientOverrides: CREDENTIALS });
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

async function demoReport(): Promise<Report> {
  return JSON.parse((await run(['scan', '--input', DEMO, '--format', 'json'])).out) as Report;
}

describe('scan --format csv, asff, ocsf and html', () => {
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

  it('writes one OCSF event per line and result, with the exit code of the scan', async () => {
    // Prepare
    const report = await demoReport();

    // Act
    const { code, out } = await run(['scan', '--input', DEMO, '--format', 'ocsf']);

    // Assess
    const events = out
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { class_uid: number; finding_info: { uid: string } });
    expect(code).toBe(1);
    expect(events.map((event) => [event.class_uid, event.finding_info.uid])).toEqual(
      report.results.map((result) => [2003, result.id]),
    );
  });

  it('writes one self-contained HTML page with a finding per result', async () => {
    // Prepare
    const report = await demoReport();

    // Act
    const { code, out } = await run(['scan', '--input', DEMO, '--format', 'html']);

    // Assess
    expect(code).toBe(1);
    expect(out.startsWith('<!doctype html>')).toBe(true);
    expect(out.match(/<details class="finding" /g)).toHaveLength(report.results.length);
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

/** A snapshot in which every VPC rule passes: three PASS results. */
function cleanSnapshot(): string {
  const name = 'eu-west-1';
  const path = join(mkdtempSync(join(tmpdir(), 'scanner-formats-')), 'clean.json');
  writeFileSync(
    path,
    JSON.stringify(
      inventory([
        region(name, {
          vpcs: [vpc('vpc-1')],
          endpoints: [
            endpoint('vpce-1', 'vpc-1', serviceName(name, 'sagemaker.api')),
            endpoint('vpce-2', 'vpc-1', serviceName(name, 'sagemaker.runtime')),
          ],
        }),
      ]),
    ),
  );
  return path;
}

describe('scan --security-hub', () => {
  const hub = mockClient(SecurityHubClient);
  const scan = ['scan', '--rules', 'vpc-sagemaker-endpoints,vpc-sagemaker-private-dns', '--security-hub'];

  afterEach(() => {
    hub.reset();
  });

  it('imports every result after writing the report and keeps the exit code of a clean scan', async () => {
    // Prepare
    hub.on(BatchImportFindingsCommand).callsFake((input) => ({
      SuccessCount: input.Findings.length,
      FailedCount: 0,
      FailedFindings: [],
    }));

    // Act
    const { code, out, err } = await run([...scan, '--input', cleanSnapshot()]);

    // Assess
    expect(code).toBe(0);
    expect(out).toContain('3 results: 3 PASS, 0 FAIL, 0 ERROR');
    expect(err).toBe('Security Hub: 3 findings imported.\n');
    const sent = hub.commandCalls(BatchImportFindingsCommand)[0]?.args[0].input.Findings ?? [];
    expect(sent.map((finding) => finding.Compliance?.Status)).toEqual(['PASSED', 'PASSED', 'PASSED']);
  });

  it('exits 1 with an ERROR line when findings could not be imported, even after a clean scan', async () => {
    // Prepare
    hub
      .on(BatchImportFindingsCommand)
      .rejects(new AccessDeniedException({ message: 'denied', $metadata: {} }));

    // Act
    const { code, err } = await run([...scan, '--input', cleanSnapshot()]);

    // Assess
    expect(code).toBe(1);
    expect(err).toMatch(
      /^Security Hub: 0 findings imported\.\nERROR Security Hub: 3 findings not imported into account 111122223333, region eu-west-1: AccessDeniedException: denied \(/,
    );
  });

  it('says Security Hub is not enabled, and leaves the exit code to the scan', async () => {
    // Prepare
    hub
      .on(BatchImportFindingsCommand)
      .rejects(new InvalidAccessException({ message: 'not subscribed', $metadata: {} }));

    // Act
    const { code, err } = await run([...scan, '--input', cleanSnapshot()]);

    // Assess
    expect(code).toBe(0);
    expect(err.split('\n')[1]).toBe(
      "Security Hub is not enabled in account 111122223333, region eu-west-1: 3 findings not imported (the scan's results are unaffected). Enable it, or leave --security-hub off there. (not subscribed)",
    );
  });
});
