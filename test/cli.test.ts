import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { main } from '../src/cli.ts';
import type { Report } from '../src/model/report.ts';
import { fakeIo } from './support/cli-io.ts';
import { endpoint, inventory, region, serviceName, vpc } from './support/inventory.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const DEMO = join(ROOT, 'examples/demo-account.json');
const VPC_RULES = 'vpc-sagemaker-endpoints,vpc-sagemaker-private-dns';
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for ANSI escapes is the point
const ANSI = /\u001b\[/;

let dir: string;
let clean: string;

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function run(argv: string[], options: Parameters<typeof fakeIo>[0] = {}) {
  const io = fakeIo(options);
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scanner-cli-'));
  const name = 'eu-west-1';
  clean = file(
    'clean.json',
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
});

describe('cli exit codes', () => {
  it('exits 0 when every result passes', async () => {
    // Act
    const { code, out, err } = await run(['scan', '--input', clean, '--rules', VPC_RULES]);

    // Assess
    expect(code).toBe(0);
    expect(out).toContain('3 results: 3 PASS, 0 FAIL, 0 ERROR');
    expect(err).toBe('');
  });

  it('exits 1 when any result fails', async () => {
    // Act
    const { code, out } = await run(['scan', '--input', DEMO, '--rules', VPC_RULES]);

    // Assess
    expect(code).toBe(1);
    expect(out).toMatch(/\d+ results: \d+ PASS, [1-9]\d* FAIL/);
  });

  it('exits 1 and reports ERROR for a requested region the snapshot lacks', async () => {
    // Act
    const { code, out } = await run([
      'scan',
      '--input',
      clean,
      '--rules',
      VPC_RULES,
      '--regions',
      'eu-west-1,ap-south-1',
      '--format',
      'json',
    ]);

    // Assess
    const report = JSON.parse(out) as Report;
    expect(code).toBe(1);
    expect(
      report.results.filter((result) => result.region === 'ap-south-1').map((result) => result.status),
    ).toEqual(['ERROR', 'ERROR']);
    expect(report.results.find((result) => result.region === 'ap-south-1')?.message).toContain(
      'NotInSnapshot',
    );
    expect(report.scope.regions).toEqual(['ap-south-1', 'eu-west-1']);
  });

  it.each([
    {
      case: 'a missing file',
      argv: () => ['scan', '--input', join(dir, 'nope.json')],
      names: ['nope.json', 'ENOENT'],
    },
    {
      case: 'malformed JSON',
      argv: () => ['scan', '--input', file('bad.json', '{"snapshotVersion": 1,')],
      names: ['bad.json', 'not valid JSON'],
    },
    {
      case: 'a snapshot without accounts',
      argv: () => [
        'scan',
        '--input',
        file('no-accounts.json', JSON.stringify({ snapshotVersion: 1, collectedAt: 'x', partition: 'aws' })),
      ],
      names: ['no-accounts.json', '$.accounts'],
    },
    {
      case: 'a VPC without VpcId deep in the snapshot',
      argv: () => {
        const broken = inventory([region('eu-west-1', { vpcs: [{ OwnerId: '111122223333' }] })]);
        return ['scan', '--input', file('no-vpc-id.json', JSON.stringify(broken))];
      },
      names: ['$.accounts[0].regions[0].vpcs[0].VpcId'],
    },
    {
      case: 'an unknown rule id',
      argv: () => ['scan', '--input', clean, '--rules', 'vpc-sagemaker-endpoints,no-such-rule'],
      names: ['--rules', 'no-such-rule'],
    },
    { case: 'an unknown option', argv: () => ['scan', '--input', clean, '--bogus'], names: ['--bogus'] },
    { case: 'an unknown command', argv: () => ['audit'], names: ['audit'] },
    {
      case: '--organization with --input',
      argv: () => ['scan', '--input', clean, '--organization', '--role-name', 'Scanner'],
      names: ['--organization', '--input'],
    },
    {
      case: '--ous without --organization',
      argv: () => ['scan', '--accounts', '111122223333', '--role-name', 'Scanner', '--ous', 'r-ab12'],
      names: ['--ous', '--organization'],
    },
    {
      case: 'a bad --regions value',
      argv: () => ['scan', '--input', clean, '--regions', 'eu-west-1,Mars'],
      names: ['--regions', 'Mars'],
    },
    {
      case: 'a bad --allowed-cidrs value',
      argv: () => ['scan', '--input', clean, '--allowed-cidrs', '10.0.0.0/8,10.0.0.300/32'],
      names: ['--allowed-cidrs', '10.0.0.300/32'],
    },
    {
      case: 'a bad --format value',
      argv: () => ['scan', '--input', clean, '--format', 'xml'],
      names: ['xml'],
    },
    {
      case: '--all-regions with --input',
      argv: () => ['scan', '--input', clean, '--all-regions'],
      names: ['--all-regions'],
    },
    { case: 'a live scan without any region', argv: () => ['scan'], names: ['AWS_REGION', '--regions'] },
    {
      case: 'an empty --rules list',
      argv: () => ['scan', '--input', clean, '--rules', ' , '],
      names: ['--rules: no rule id given'],
    },
    {
      case: '--region-concurrency 0 with --input',
      argv: () => ['scan', '--input', clean, '--region-concurrency', '0'],
      names: ['--region-concurrency', '"0"'],
    },
    {
      case: '--rate-share 2 with --input',
      argv: () => ['scan', '--input', clean, '--rate-share', '2'],
      names: ['--rate-share: "2" is not a share above 0 and at most 1'],
    },
    {
      case: '--timeout 0 with --input',
      argv: () => ['scan', '--input', clean, '--timeout', '0'],
      names: ['--timeout', '"0"'],
    },
    {
      case: 'an empty --rules list for snapshot',
      argv: () => ['snapshot', '--rules', ''],
      names: ['--rules: no rule id given'],
    },
    {
      case: 'an --allowed-cidrs range covering every IPv4 address',
      argv: () => ['scan', '--input', clean, '--allowed-cidrs', '203.0.113.0/24,0.0.0.0/0'],
      names: ['--allowed-cidrs: "0.0.0.0/0" covers every IPv4 address', 'switch the source-IP rule off'],
    },
    {
      case: 'an --allowed-cidrs range covering every IPv6 address',
      argv: () => ['scan', '--input', clean, '--allowed-cidrs', '::/0'],
      names: ['--allowed-cidrs: "::/0" covers every IPv6 address'],
    },
    {
      case: 'an --allowed-cidrs range with host bits set',
      argv: () => ['scan', '--input', clean, '--allowed-cidrs', '10.0.0.1/8'],
      names: ['"10.0.0.1/8" has host bits set; did you mean 10.0.0.0/8 (the whole range) or 10.0.0.1/32'],
    },
    {
      case: 'a report given as --input',
      argv: () => ['scan', '--input', file('a-report.json', JSON.stringify({ scanId: 's', results: [] }))],
      names: ['a-report.json: this is a scan report, not an evidence file; give it to --baseline'],
    },
    {
      case: '--output naming the --input file',
      argv: () => ['scan', '--input', clean, '--format', 'json', '--output', clean],
      names: ['clean.json is the --input file; write the report to another file'],
    },
    {
      case: '--output naming the --input file by a relative path',
      argv: () => ['scan', '--input', clean, '--format', 'json', '--output', relative(process.cwd(), clean)],
      names: ['is the --input file'],
    },
    {
      case: '--output naming a symlink to the --input file',
      argv: () => {
        const link = join(dir, 'link-to-clean.json');
        if (!existsSync(link)) symlinkSync(clean, link);
        return ['scan', '--input', clean, '--format', 'json', '--output', link];
      },
      names: ['link-to-clean.json is the --input file'],
    },
    {
      case: 'a table asked for in a .json output file',
      argv: () => ['scan', '--input', clean, '--format', 'table', '--output', join(dir, 'table.json')],
      names: ['table.json: a .json file gets JSON, and --format table is not JSON'],
    },
    {
      case: 'a wildcard in --approved-vpces',
      argv: () => ['scan', '--input', clean, '--approved-vpces', 'vpce-*'],
      names: ['--approved-vpces', 'vpce-*'],
    },
    {
      case: 'a bad APPROVED_VPCES variable',
      argv: () => ['scan', '--input', clean],
      env: { APPROVED_VPCES: 'vpc-1' },
      names: ['APPROVED_VPCES', 'vpc-1'],
    },
    {
      case: 'a bad ALLOWED_SOURCE_CIDRS variable',
      argv: () => ['scan', '--input', clean],
      env: { ALLOWED_SOURCE_CIDRS: 'nonsense' },
      names: ['ALLOWED_SOURCE_CIDRS', 'nonsense'],
    },
  ])('exits 2 with a one-line message naming the culprit for $case', async ({ argv, names, env }) => {
    // Act
    const { code, out, err } = await run(argv(), { env });

    // Assess
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^error: /);
    expect(err).not.toMatch(/\n\s+at /);
    for (const name of names) expect(err).toContain(name);
  });
});

describe('approved VPC endpoints', () => {
  const RULE = 'iam-presigned-url-approved-endpoints';
  const SHARED = 'vpce-0ffee0000000000f1';

  async function verdicts(argv: string[], env: Record<string, string> = {}) {
    const { code, out } = await run(['scan', '--input', DEMO, '--rules', RULE, '--format', 'json', ...argv], {
      env,
    });
    const report = JSON.parse(out) as Report;
    return {
      code,
      results: report.results.map((result) => [result.resourceId.split('/').pop(), result.status]),
    };
  }

  it('fails the demo grant through a shared-services endpoint that is not approved', async () => {
    // Act
    const { code, results } = await verdicts([]);
    // Assess
    expect(code).toBe(1);
    expect(results).toEqual([
      ['ana.private', 'PASS'],
      ['ben.partner', 'FAIL'],
    ]);
  });

  it.each([
    ['--approved-vpces', [`--approved-vpces=${SHARED}`], {}],
    ['APPROVED_VPCES', [], { APPROVED_VPCES: SHARED }],
  ])('passes it once %s approves the endpoint', async (_how, argv, env) => {
    // Act
    const { code, results } = await verdicts(argv, env);
    // Assess
    expect(code).toBe(0);
    expect(results).toEqual([
      ['ana.private', 'PASS'],
      ['ben.partner', 'PASS'],
    ]);
  });
});

describe('selection by severity and the exit threshold', () => {
  const MEDIUM_RULE = 'iam-policy-presigned-url-source-ip';

  async function ruleIds(...args: string[]) {
    const { code, out, err } = await run(['scan', '--input', DEMO, '--format', 'json', ...args]);
    return { code, err, rules: code === 2 ? [] : (JSON.parse(out) as Report).scope.rules };
  }

  it.each([
    [
      ['--severity', 'medium'],
      [
        'iam-policy-presigned-domain-url-source-ip',
        MEDIUM_RULE,
        'sagemaker-notebook-root-access',
        'vpc-sagemaker-endpoint-reachable',
      ],
    ],
    [
      ['--severity', 'HIGH'],
      [
        'iam-presigned-url-approved-endpoints',
        'iam-principal-presigned-domain-url-source-ip',
        'iam-principal-presigned-url-source-ip',
        'sagemaker-domain-vpc-only',
        'sagemaker-notebook-network',
        'sagemaker-private-path',
        'vpc-sagemaker-endpoints',
        'vpc-sagemaker-private-dns',
      ],
    ],
    [
      ['--severity', 'high,medium'],
      [
        'iam-policy-presigned-domain-url-source-ip',
        'iam-policy-presigned-url-source-ip',
        'iam-presigned-url-approved-endpoints',
        'iam-principal-presigned-domain-url-source-ip',
        'iam-principal-presigned-url-source-ip',
        'sagemaker-domain-vpc-only',
        'sagemaker-notebook-network',
        'sagemaker-notebook-root-access',
        'sagemaker-private-path',
        'vpc-sagemaker-endpoint-reachable',
        'vpc-sagemaker-endpoints',
        'vpc-sagemaker-private-dns',
      ],
    ],
    [
      ['--severity', 'high', '--rules', `${MEDIUM_RULE},vpc-sagemaker-endpoints`],
      ['vpc-sagemaker-endpoints'],
    ],
  ])('%j runs exactly the rules of those severities', async (args, expected) => {
    // Act
    const { rules } = await ruleIds(...args);

    // Assess
    expect(rules).toEqual(expected);
  });

  it.each([
    [
      ['--severity', 'severe'],
      'error: --severity: "severe" is not a severity (critical, high, medium, low, informational)\n',
    ],
    [
      ['--severity', ','],
      'error: --severity: no severity given (critical, high, medium, low, informational)\n',
    ],
    [
      ['--severity', 'critical', '--rules', MEDIUM_RULE],
      `error: --severity critical: no selected rule has that severity (${MEDIUM_RULE}: medium)\n`,
    ],
    [
      ['--fail-on', 'urgent'],
      'error: --fail-on: "urgent" is not a severity (critical, high, medium, low, informational)\n',
    ],
  ])('refuses %j with exit 2 naming the option', async (args, message) => {
    // Act
    const { code, err } = await ruleIds(...args);

    // Assess
    expect(code).toBe(2);
    expect(err).toBe(message);
  });

  it.each([
    [[], 1],
    [['--fail-on', 'medium'], 1],
    [['--fail-on', 'Low'], 1],
    [['--fail-on', 'high'], 0],
    [['--fail-on', 'critical'], 0],
  ])('with only medium FAILs, %j exits %i', async (args, expected) => {
    // Act
    const { code, out } = await run(['scan', '--input', DEMO, '--rules', MEDIUM_RULE, '-f', 'json', ...args]);

    // Assess
    expect((JSON.parse(out) as Report).summary.fail).toBe(2);
    expect(code).toBe(expected);
  });

  it.each([
    ['high', 1],
    ['critical', 0],
  ])('counts an ERROR of a high rule by its severity: --fail-on %s exits %i', async (failOn, expected) => {
    // Act: a region the snapshot lacks is ERROR for the (high) VPC rules, everything else passes
    const { code, out } = await run([
      'scan',
      '--input',
      clean,
      '--rules',
      VPC_RULES,
      '--regions',
      'eu-west-1,ap-south-1',
      '-f',
      'json',
      '--fail-on',
      failOn,
    ]);

    // Assess
    expect((JSON.parse(out) as Report).summary).toMatchObject({ fail: 0, error: 2 });
    expect(code).toBe(expected);
  });
});

describe('an unexpected internal error', () => {
  /** stdout that fails as no user input can: the error reaches main as a plain TypeError. */
  function brokenStdoutIo() {
    const io = fakeIo();
    io.stdout.write = () => {
      throw new TypeError('cannot read properties of undefined (reading "id")');
    };
    return io;
  }

  it('exits 2, not 1 (findings), with one line on stderr and no stack', async () => {
    // Prepare
    const io = brokenStdoutIo();

    // Act
    const code = await main(['rules'], io);

    // Assess
    expect(code).toBe(2);
    expect(io.err()).toBe(
      'error: internal error: cannot read properties of undefined (reading "id") (a bug in the scanner; --debug prints the stack)\n',
    );
  });

  it.each([
    ['before', ['--debug', 'rules']],
    ['after', ['rules', '--debug']],
  ])('with --debug %s the command prints the stack too', async (_where, argv) => {
    // Prepare
    const io = brokenStdoutIo();

    // Act
    const code = await main(argv, io);

    // Assess
    expect(code).toBe(2);
    const [first, second] = io.err().split('\n');
    expect(first).toBe('error: internal error: cannot read properties of undefined (reading "id")');
    expect(second).toBe('TypeError: cannot read properties of undefined (reading "id")');
    expect(io.err()).toMatch(/\n\s+at .*cli\.test\.ts/);
  });
});

describe('cli output', () => {
  it('prints a JSON report that the published schema accepts', async () => {
    // Prepare
    const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/report.schema.json'), 'utf8'));
    const validate = new Ajv2020({ strict: true, validateFormats: false }).compile(schema);

    // Act
    const { out } = await run(['scan', '--input', DEMO, '--format', 'json']);

    // Assess
    const report = JSON.parse(out) as Report;
    expect(validate(report)).toBe(true);
    expect(report.stats.apiCalls).toEqual({});
  });

  it('prints the same results in the same order whatever the order of --regions', async () => {
    // Act
    const first = await run([
      'scan',
      '--input',
      DEMO,
      '--format',
      'json',
      '--regions',
      'eu-west-1,us-east-1',
    ]);
    const second = await run([
      'scan',
      '--input',
      DEMO,
      '--format',
      'json',
      '--regions',
      'us-east-1,eu-west-1',
    ]);

    // Assess
    const a = JSON.parse(first.out) as Report;
    const b = JSON.parse(second.out) as Report;
    expect(b.results).toEqual(a.results);
    expect(b.scope).toEqual(a.scope);
    expect(b.summary).toEqual(a.summary);
  });

  it('prints text grouped by rule, failures first, each with its fix', async () => {
    // Act
    const { out } = await run([
      'scan',
      '--input',
      DEMO,
      '--format',
      'text',
      '--rules',
      'vpc-sagemaker-endpoints',
    ]);

    // Assess
    const lines = out.split('\n');
    const heading = lines.findIndex((line) => line.startsWith('[high] vpc-sagemaker-endpoints'));
    expect(heading).toBeGreaterThan(0);
    expect(lines[heading + 1]).toMatch(/^ {2}FAIL /);
    expect(lines[heading + 2]).toMatch(/^ {8}Fix: Create .*aws ec2 create-vpc-endpoint --region/);
    expect(out).toMatch(/ {2}PASS /);
  });

  it('prints a table with one row per result', async () => {
    // Act
    const { out } = await run(['scan', '--input', clean, '--rules', VPC_RULES]);

    // Assess
    const rows = out.split('\n').filter((line) => /^(PASS|FAIL|ERROR) /.test(line));
    expect(rows.map((row) => row.split(/\s+/).slice(0, 4).join(' '))).toEqual([
      'PASS high vpc-sagemaker-endpoints vpc-1',
      'PASS high vpc-sagemaker-private-dns vpce-1',
      'PASS high vpc-sagemaker-private-dns vpce-2',
    ]);
    expect(out).toMatch(/^STATUS +SEVERITY +RULE +RESOURCE +MESSAGE$/m);
  });

  it('with --quiet hides PASS rows but still counts them', async () => {
    // Act
    const { out, err } = await run(['scan', '--input', DEMO, '--rules', VPC_RULES, '--quiet'], { tty: true });

    // Assess
    const rows = out.split('\n').filter((line) => /^\S*(PASS|FAIL|ERROR)\b/.test(line));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((row) => row.includes('PASS'))).toBe(false);
    expect(out).toMatch(/10 results: 5 PASS, 5 FAIL, 0 ERROR/);
    expect(err).toBe('');
  });

  it('with --output writes the report to the file and nothing to stdout', async () => {
    // Prepare
    const output = join(dir, 'report.json');

    // Act
    const { code, out } = await run(['scan', '--input', DEMO, '--format', 'json', '--output', output]);

    // Assess
    expect(code).toBe(1);
    expect(out).toBe('');
    expect((JSON.parse(readFileSync(output, 'utf8')) as Report).results.length).toBeGreaterThan(0);
  });

  it('writes the report only for its owner (mode 0600): it holds what the account allows', async () => {
    // Prepare
    const output = join(dir, 'private.txt');

    // Act
    const { code } = await run(['scan', '--input', DEMO, '--format', 'text', '--output', output]);

    // Assess
    expect(code).toBe(1);
    expect(statSync(output).mode & 0o777).toBe(0o600);
  });

  it('writes JSON, not a table, to a .json output file when no format is given', async () => {
    // Prepare
    const output = join(dir, 'default-format.JSON');

    // Act
    const { code, out } = await run(['scan', '--input', clean, '--rules', VPC_RULES, '--output', output]);

    // Assess
    expect(code).toBe(0);
    expect(out).toBe('');
    expect((JSON.parse(readFileSync(output, 'utf8')) as Report).summary.pass).toBe(3);
  });

  it('takes -o - as stdout', async () => {
    // Act
    const { code, out } = await run([
      'scan',
      '--input',
      clean,
      '--rules',
      VPC_RULES,
      '-f',
      'json',
      '-o',
      '-',
    ]);

    // Assess
    expect(code).toBe(0);
    expect((JSON.parse(out) as Report).summary.pass).toBe(3);
    expect(readdirSync(process.cwd())).not.toContain('-');
  });

  it.each(['JSON', 'Json'])('reads --format %s whatever its case', async (format) => {
    // Act
    const scan = await run(['scan', '--input', clean, '--rules', VPC_RULES, '--format', format]);
    const rules = await run(['rules', '--format', format]);

    // Assess
    expect(scan.code).toBe(0);
    expect((JSON.parse(scan.out) as Report).summary.pass).toBe(3);
    expect(rules.code).toBe(0);
    expect(Array.isArray(JSON.parse(rules.out))).toBe(true);
  });

  it('exits 2 naming the path when --output cannot be written', async () => {
    // Act
    const { code, err } = await run(['scan', '--input', DEMO, '--output', join(dir, 'missing-dir', 'r.txt')]);

    // Assess
    expect(code).toBe(2);
    expect(err).toContain('--output');
    expect(err).toContain('missing-dir');
  });

  it('does not follow a symlink planted at a temporary name, and leaves only the report behind', async () => {
    // Prepare: the names the CLI used to write through, all pointing at a file to protect
    const out = mkdtempSync(join(dir, 'out-'));
    const victim = file('victim.txt', 'keep me');
    const output = join(out, 'report.json');
    for (const pid of [process.pid, process.pid + 1]) symlinkSync(victim, `${output}.${pid}.tmp`);

    // Act
    const { code } = await run(['scan', '--input', DEMO, '--format', 'json', '--output', output]);

    // Assess
    expect(code).toBe(1);
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
    expect((JSON.parse(readFileSync(output, 'utf8')) as Report).results.length).toBeGreaterThan(0);
    expect(readdirSync(out).filter((name) => !name.endsWith('.tmp'))).toEqual(['report.json']);
    expect(
      readdirSync(out).filter(
        (name) => name.endsWith('.tmp') && !lstatSync(join(out, name)).isSymbolicLink(),
      ),
    ).toEqual([]);
  });

  it('leaves no temporary file behind when the output path is a directory', async () => {
    // Prepare
    const out = mkdtempSync(join(dir, 'out-'));
    mkdirSync(join(out, 'report.json'));

    // Act
    const { code, err } = await run(['scan', '--input', DEMO, '--output', join(out, 'report.json')]);

    // Assess
    expect(code).toBe(2);
    expect(err).toMatch(/^error: --output: cannot write .*report\.json \(EISDIR\)\n$/);
    expect(readdirSync(out)).toEqual(['report.json']);
  });

  it('refuses an evidence file above --max-input-bytes, naming the size, the limit and the option', async () => {
    // Act
    const { code, err } = await run(['scan', '--input', clean, '--max-input-bytes', '100']);

    // Assess
    expect(code).toBe(2);
    expect(err).toBe(
      `error: ${clean}: the snapshot file is ${statSync(clean).size} bytes, above the limit of 100 bytes (raise it with --max-input-bytes)\n`,
    );
  });

  it.each([
    [
      ['--input', 'x.json', '--max-input-bytes', '0'],
      /^error: --max-input-bytes: "0" is not a whole number from 1 to 524288000\n$/,
    ],
    [
      ['--max-input-bytes', '1000'],
      /^error: --max-input-bytes limits the --input file; a live scan reads no file\n$/,
    ],
  ])('rejects --max-input-bytes in %j', async (args, message) => {
    // Act
    const { code, err } = await run(['scan', ...args]);

    // Assess
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });

  it.each([
    { case: 'a terminal', tty: true, env: {}, colour: true },
    { case: 'a terminal with NO_COLOR set', tty: true, env: { NO_COLOR: '1' }, colour: false },
    { case: 'a pipe', tty: false, env: {}, colour: false },
  ])('uses colour only on $case', async ({ tty, env, colour }) => {
    // Act
    const table = await run(['scan', '--input', DEMO], { tty, env });
    const text = await run(['scan', '--input', DEMO, '--format', 'text'], { tty, env });

    // Assess
    expect(ANSI.test(table.out)).toBe(colour);
    expect(ANSI.test(text.out)).toBe(colour);
  });

  it('keeps every table line within a narrow terminal', async () => {
    // Act
    const { out } = await run(['scan', '--input', DEMO, '--rules', VPC_RULES], {
      tty: true,
      columns: 80,
      env: { NO_COLOR: '1' },
    });

    // Assess
    const lines = out.trimEnd().split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(out).toContain('FAIL  high  vpc-sagemaker-endpoints');
    expect(out).toContain('10 results: 5 PASS, 5 FAIL, 0 ERROR');
  });

  it('wraps the message column on a wide terminal without cutting it, and leaves it whole in a pipe', async () => {
    // Act
    const terminal = await run(['scan', '--input', DEMO, '--rules', VPC_RULES], {
      tty: true,
      columns: 160,
      env: { NO_COLOR: '1' },
    });
    const pipe = await run(['scan', '--input', DEMO, '--rules', VPC_RULES], { columns: 160 });

    // Assess
    const rows = (out: string) => out.split('\n').filter((line) => /^(PASS|FAIL|ERROR) /.test(line));
    for (const line of terminal.out.split('\n')) expect(line.length).toBeLessThanOrEqual(160);
    expect(terminal.out).not.toContain('…');
    expect(rows(pipe.out).some((row) => row.length > 160)).toBe(true);
    const words = (out: string) => out.split(/\s+/).filter((word) => word.startsWith('pendingAcceptance'));
    expect(words(terminal.out)).toEqual(words(pipe.out));
  });

  it('with --wide shows full ARNs, one line per result, on a terminal too', async () => {
    // Act
    const { out } = await run(
      ['scan', '--input', DEMO, '--rules', 'iam-principal-presigned-url-source-ip', '--wide'],
      {
        tty: true,
        columns: 80,
        env: { NO_COLOR: '1' },
      },
    );

    // Assess
    const rows = out.split('\n').filter((line) => /^(PASS|FAIL|ERROR) /.test(line));
    expect(rows.map((row) => row.split(/\s+/)[3])).toEqual([
      'arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-ml-prod',
      'arn:aws:iam::111122223333:user/sam.contractor',
      'arn:aws:iam::111122223333:user/ana.private',
      'arn:aws:iam::111122223333:user/lee.scientist',
      'arn:aws:iam::111122223333:user/maria.data',
    ]);
    const lines = out.split('\n');
    const results = lines.slice(
      0,
      lines.findIndex((line) => /^\d+ results:/.test(line)),
    );
    expect(results.filter((line) => line.startsWith(' '))).toEqual([]);
  });

  it('wraps text at the terminal width and leaves it whole in a pipe', async () => {
    // Act
    const args = ['scan', '--input', DEMO, '--format', 'text', '--rules', 'vpc-sagemaker-endpoints'];
    const terminal = await run(args, { tty: true, columns: 80, env: { NO_COLOR: '1' } });
    const pipe = await run(args);

    // Assess
    const long = (out: string) => out.split('\n').filter((line) => line.length > 80);
    expect(long(pipe.out).length).toBeGreaterThan(0);
    for (const line of long(terminal.out)) expect(line.trim()).toMatch(/^aws ec2 create-vpc-endpoint /);
  });

  it.each([
    [['--wide', '--format', 'json'], 'error: --wide lays out the table; --format json has no table\n'],
    [['--pretty'], 'error: --pretty indents the JSON report; --format table is not the JSON report\n'],
    [
      ['--pretty', '-f', 'csv'],
      'error: --pretty indents the JSON report; --format csv is not the JSON report\n',
    ],
  ])('refuses %j, which would do nothing, with exit 2', async (extra, message) => {
    // Act
    const { code, err } = await run(['scan', '--input', clean, ...extra]);

    // Assess
    expect(code).toBe(2);
    expect(err).toBe(message);
  });

  it('reads every region at once unless told otherwise, and says so in --help', async () => {
    // Act
    const help = await run(['scan', '--help']);
    const all = await run([
      'scan',
      '--input',
      clean,
      '--rules',
      VPC_RULES,
      '--region-concurrency',
      'all',
      '--rate-share',
      '0.25',
    ]);

    // Assess
    expect(help.out.replace(/\s+/g, ' ')).toContain(
      '--region-concurrency <n> regions read in parallel, a number or all (default all: each region has its own AWS buckets)',
    );
    expect(help.out.replace(/\s+/g, ' ')).toContain(
      '--rate-share <fraction> share of each documented AWS request rate to use, per account, region and bucket (default 0.8)',
    );
    expect(all.code).toBe(0);
  });

  it.each([
    ['compact in a pipe', [], false, false],
    ['indented with --pretty', ['--pretty'], false, true],
    ['indented on a terminal', [], true, true],
  ])('writes the JSON report %s', async (_case, extra, tty, pretty) => {
    // Act
    const { out } = await run(['scan', '--input', clean, '--format', 'json', ...extra], { tty });

    // Assess
    expect(out.startsWith('{\n  "schemaVersion": 1,')).toBe(pretty);
    expect(out.trimEnd().includes('\n')).toBe(pretty);
    expect((JSON.parse(out) as Report).schemaVersion).toBe(1);
  });

  it.each([
    [
      'scan',
      [
        '--input',
        '--regions',
        '--all-regions',
        '--rules',
        '--format',
        '--output',
        '--skip-default-vpcs',
        '--allowed-cidrs',
        '--quiet',
        '--region-concurrency',
        '--rate-share',
        '--timeout',
        '--suppressions',
        '--suppression-horizon-days',
        '--tag-suppressions',
        '--baseline',
        '--severity',
        '--fail-on',
        '--debug',
        '--wide',
        '--pretty',
        'Exit codes: 0',
      ],
    ],
    [
      'snapshot',
      [
        '--output',
        '--regions',
        '--all-regions',
        '--rules',
        '--severity',
        '--quiet',
        '--region-concurrency',
        '--rate-share',
        '--timeout',
      ],
    ],
  ])('lists every option of %s in --help', async (command, options) => {
    // Act
    const { code, out } = await run([command, '--help']);

    // Assess
    expect(code).toBe(0);
    for (const option of options) expect(out).toContain(option);
  });

  it('lists in snapshot --help only the options snapshot takes, worded for it', async () => {
    // Act
    const { out } = await run(['snapshot', '--help']);

    // Assess
    const options = out.split('\n').flatMap((line) => /^ {2}(?:-\w, )?(--[a-z-]+)/.exec(line)?.[1] ?? []);
    expect(options).toEqual([
      '--output',
      '--regions',
      '--all-regions',
      '--rules',
      '--severity',
      '--region-concurrency',
      '--rate-share',
      '--timeout',
      '--quiet',
      '--profile',
      '--role-arn',
      '--accounts',
      '--organization',
      '--role-name',
      '--ous',
      '--exclude-accounts',
      '--external-id',
      '--role-session-name',
      '--account-concurrency',
      '--help',
    ]);
    expect(out.slice(0, out.indexOf('Examples:'))).not.toMatch(/--input|table and text|--format|--fail-on/);
  });

  it.each(['scan', 'snapshot', 'rules'])(
    'ends the help of %s with two or three examples',
    async (command) => {
      // Act
      const { out } = await run([command, '--help']);

      // Assess
      const lines = out.trimEnd().split('\n');
      const examples = lines.slice(lines.indexOf('Examples:') + 1);
      expect(lines).toContain('Examples:');
      expect(examples.length).toBeGreaterThanOrEqual(2);
      expect(examples.length).toBeLessThanOrEqual(3);
      for (const example of examples)
        expect(example).toMatch(/^ {2}sagemaker-compliance-scanner (scan|snapshot|rules)\b/);
    },
  );

  it('gives scan examples that run on the demo account and find what the README shows', async () => {
    // Prepare
    const { out } = await run(['scan', '--help']);
    const lines = out.trimEnd().split('\n');
    const examples = lines.slice(lines.indexOf('Examples:') + 1);

    // Act
    const runs = await Promise.all(
      examples.map((example) =>
        run(
          example
            .trim()
            .split(' ')
            .slice(1)
            .map((arg) =>
              arg.startsWith('examples/') ? `${ROOT}${arg}` : arg === 'report.json' ? join(dir, arg) : arg,
            ),
        ),
      ),
    );

    // Assess
    expect(runs.map((outcome) => [outcome.code, outcome.err])).toEqual(examples.map(() => [1, '']));
  });

  it.each([60, 120])(
    'wraps the exit-code paragraph of scan --help at a %i-column terminal',
    async (columns) => {
      // Act
      const { out } = await run(['scan', '--help'], { tty: true, columns });

      // Assess
      const lines = out.split('\n');
      const start = lines.findIndex((line) => line.startsWith('Exit codes:'));
      const paragraph = lines.slice(start, lines.indexOf('', start));
      for (const line of paragraph) expect(line.length).toBeLessThanOrEqual(columns);
      expect(paragraph.length).toBeGreaterThan(1);
      expect(paragraph.map((line) => line.trim()).join(' ')).toBe(
        'Exit codes: 0 nothing failed (outside accepted exceptions) and nothing errored; 1 findings, and nothing else: a FAIL or ERROR result (at or above --fail-on); 2 the scan did not run: bad usage, input file or configuration, an account AWS could not identify, or an internal error (one line on stderr; --debug adds the stack).',
      );
    },
  );

  it('lists the commands in the top-level --help', async () => {
    // Act
    const { code, out } = await run(['--help']);

    // Assess
    expect(code).toBe(0);
    for (const command of ['scan', 'snapshot', 'rules'])
      expect(out).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  it('lists the rules with their metadata as JSON', async () => {
    // Act
    const { code, out } = await run(['rules', '--format', 'json']);

    // Assess
    expect(code).toBe(0);
    const metas = JSON.parse(out) as { id: string; permissions: string[] }[];
    expect(metas.map((meta) => meta.id)).toContain('vpc-sagemaker-endpoints');
    expect(metas.find((meta) => meta.id === 'vpc-sagemaker-private-dns')?.permissions).toContain(
      'ec2:DescribeVpcAttribute',
    );
  });
});

describe('the installed command', { timeout: 30_000 }, () => {
  const BIN = inject('builtCli');

  it('runs a scan of the demo snapshot as a child process and exits 1', () => {
    // Act
    const child = spawnSync(process.execPath, [BIN, 'scan', '--input', DEMO, '--format', 'json'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });

    // Assess
    expect(child.status).toBe(1);
    expect(child.stderr).toBe('');
    expect((JSON.parse(child.stdout) as Report).summary.fail).toBeGreaterThan(0);
  });

  it('refuses an evidence file above --max-input-bytes with one line on stderr', () => {
    // Act
    const child = spawnSync(process.execPath, [BIN, 'scan', '--input', DEMO, '--max-input-bytes', '1000'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });

    // Assess
    expect(child.status).toBe(2);
    expect(child.stdout).toBe('');
    expect(child.stderr).toMatch(
      /^error: .*demo-account\.json: the snapshot file is \d+ bytes, above the limit of 1000 bytes \(raise it with --max-input-bytes\)\n$/,
    );
  });

  it.each([
    ['rules', ['rules'], 0],
    ['scan -f json', ['scan', '--input', DEMO, '-f', 'json'], 1],
  ])(
    '%s into a reader that has gone away exits as if read, with nothing on stderr',
    async (_case, args, exitCode) => {
      // Prepare: the reader closes its end before the CLI writes, as `| head -3` or `| true` can
      const child = spawn(process.execPath, [BIN, ...args], {
        env: { PATH: process.env.PATH ?? '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });

      // Act
      const [code] = (await once(child, 'close')) as [number];

      // Assess
      expect(stderr).toBe('');
      expect(code).toBe(exitCode);
    },
  );

  it('exits 2 with one line on stderr for a bad option', () => {
    // Act
    const child = spawnSync(process.execPath, [BIN, 'scan', '--regions', 'nowhere'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });

    // Assess
    expect(child.status).toBe(2);
    expect(child.stdout).toBe('');
    expect(child.stderr).toBe('error: --regions: "nowhere" is not an AWS region name (e.g. eu-west-1)\n');
  });
});
