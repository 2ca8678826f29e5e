import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT, main } from '../src/cli.ts';
import type { Report } from '../src/model/report.ts';
import { reportSchema } from '../src/model/report-schema.ts';
import { fakeIo } from './support/cli-io.ts';

const DEMO = 'examples/demo-account.json';
const VPC_RULES = 'vpc-sagemaker-endpoints,vpc-sagemaker-private-dns';
let folder: string;

async function writeJson(name: string, data: unknown): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, JSON.stringify(data));
  return path;
}

async function scanJson(...args: string[]): Promise<{ code: number; report: Report; err: string }> {
  const io = fakeIo();
  const code = await main(['scan', '--input', DEMO, '--rules', VPC_RULES, '--format', 'json', ...args], io);
  return { code, report: code === EXIT.USAGE ? ({} as Report) : JSON.parse(io.out()), err: io.err() };
}

/** The CLI judges expiry against the real clock, so the tests' dates follow it. */
function inThirtyDays(): string {
  return new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
}

/** Every FAIL of the demo's VPC rules muted by one entry each, expiring well after today. */
async function suppressEveryFailure(): Promise<string> {
  const { report } = await scanJson();
  const suppressions = report.results
    .filter((result) => result.status === 'FAIL')
    .map((result) => ({
      rule: result.ruleId,
      resources: [result.resourceId],
      reason: `accepted: ${result.resourceId}`,
      expires: inThirtyDays(),
    }));
  return writeJson('all.json', { version: 1, suppressions });
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'cli-exceptions-'));
});

describe('scan --suppressions', () => {
  it('exits 0 when every FAIL is muted, keeping each FAIL in the report with its exception', async () => {
    // Prepare
    const suppressions = await suppressEveryFailure();
    // Act
    const { code, report } = await scanJson('--suppressions', suppressions);
    // Assess
    expect(code).toBe(EXIT.CLEAN);
    expect(report.summary.fail).toBeGreaterThan(0);
    expect(report.summary.muted).toBe(report.summary.fail);
    expect(report.results.filter((result) => result.status === 'FAIL').every((result) => result.muted)).toBe(
      true,
    );
    expect(reportSchema.safeParse(report).success).toBe(true);
  });

  it('still exits 1 when one FAIL is not covered', async () => {
    // Prepare
    const suppressions = await writeJson('one.json', {
      version: 1,
      suppressions: [
        {
          rule: 'vpc-sagemaker-endpoints',
          resources: ['vpc-0d44*'],
          reason: 'default VPC',
          expires: inThirtyDays(),
        },
      ],
    });
    // Act
    const { code, err } = await scanJson('--suppressions', suppressions);
    // Assess
    expect(err).toBe('');
    expect(code).toBe(EXIT.FINDINGS);
  });

  it.each([
    [
      'an unknown rule id',
      { rule: 'vpc-endpoints', reason: 'x', expires: '2027-01-01' },
      'suppressions[0].rule: unknown rule id',
    ],
    ['a missing reason', { rule: '*', expires: '2027-01-01' }, 'suppressions[0].reason'],
    [
      'a rule * entry that would mute everything',
      { rule: '*', accounts: ['*'], reason: 'x', expires: inThirtyDays() },
      'suppressions[0]: rule "*" with no account, region or resource narrower than "*" would mute every finding',
    ],
    [
      'a date past the horizon',
      { rule: '*', resources: ['vpc-1'], reason: 'x', expires: '2099-01-01' },
      'suppressions[0].expires',
    ],
  ])('exits 2 on %s, naming the file and the entry', async (_case, entry, message) => {
    // Prepare
    const path = await writeJson('bad.json', { version: 1, suppressions: [entry] });
    // Act
    const { code, err } = await scanJson('--suppressions', path);
    // Assess
    expect(code).toBe(EXIT.USAGE);
    expect(err).toContain(`${path}: `);
    expect(err).toContain(message);
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  it('shows muted rows and the accepted-exception count in the table', async () => {
    // Prepare
    const suppressions = await suppressEveryFailure();
    const io = fakeIo();
    // Act
    await main(['scan', '--input', DEMO, '--rules', VPC_RULES, '--suppressions', suppressions], io);
    // Assess
    expect(io.out()).toContain('[muted until ');
    expect(io.out()).toMatch(/\d+ FAIL \(\d+ muted\)/);
  });
});

describe('scan --baseline', () => {
  it("marks yesterday's problems persisting and lists the ones fixed since as resolved", async () => {
    // Prepare
    const { report: yesterday } = await scanJson();
    const demo = JSON.parse(await readFile(DEMO, 'utf8'));
    const useast = demo.accounts[0].regions.find(
      (region: { region: string }) => region.region === 'us-east-1',
    );
    useast.vpcAttributes['vpc-0c33c0ffee0000003'].enableDnsHostnames = true;
    const fixed = await writeJson('fixed.json', demo);
    const baseline = await writeJson('yesterday.json', yesterday);
    const io = fakeIo();
    // Act
    await main(
      ['scan', '--input', fixed, '--rules', VPC_RULES, '--format', 'json', '--baseline', baseline],
      io,
    );
    // Assess
    const today: Report = JSON.parse(io.out());
    expect(today.baseline).toEqual({
      scanId: yesterday.scanId,
      startedAt: yesterday.startedAt,
      source: baseline,
    });
    expect(today.resolved?.map((entry) => [entry.resourceId, entry.now])).toEqual([
      ['vpce-0c3300000000000c1', 'PASS'],
      ['vpce-0c3300000000000c2', 'PASS'],
    ]);
    const failing = today.results.filter((result) => result.status === 'FAIL');
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.every((result) => result.delta?.change === 'persisting')).toBe(true);
    expect(reportSchema.safeParse(today).success).toBe(true);
  });

  it.each([
    ['a missing file', () => join(folder, 'no-such-report.json'), 'ENOENT'],
    ['a directory', () => folder, 'EISDIR'],
  ])(
    'completes the scan with every problem new when the baseline is %s, saying why',
    async (_case, path, code) => {
      // Prepare
      const baseline = path();
      // Act
      const { code: exitCode, report, err } = await scanJson('--baseline', baseline);
      // Assess
      const why = `${baseline}: cannot read the baseline report (${code})`;
      expect(exitCode).toBe(EXIT.FINDINGS);
      expect(report.baseline).toEqual({ error: why });
      const problems = report.results.filter((result) => result.status !== 'PASS');
      expect(problems.length).toBeGreaterThan(0);
      expect(problems.every((result) => result.delta?.change === 'new')).toBe(true);
      expect(err).toBe(`warning: ${why}; every problem counts as new\n`);
      expect(reportSchema.safeParse(report).success).toBe(true);
    },
  );

  it('exits 2 naming an evidence file given as the baseline, and the option that takes it', async () => {
    // Act
    const { code, err } = await scanJson('--baseline', DEMO);
    // Assess
    expect(code).toBe(EXIT.USAGE);
    expect(err).toBe(
      `error: ${DEMO}: this is an evidence file (written by snapshot), not a report; judge it with --input, and give --baseline a report written by scan --format json\n`,
    );
  });

  it('exits 2 when the baseline is not a report', async () => {
    // Prepare
    const notAReport = await writeJson('not-a-report.json', { hello: 'world' });
    // Act
    const { code, err } = await scanJson('--baseline', notAReport);
    // Assess
    expect(code).toBe(EXIT.USAGE);
    expect(err).toContain(`${notAReport}: not a scanner JSON report at $.scanId`);
  });
});
