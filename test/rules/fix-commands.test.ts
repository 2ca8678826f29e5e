import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../src/model/inventory.ts';
import { RULES } from '../../src/rules/index.ts';
import { shellQuote } from '../../src/rules/support.ts';
import { ACCOUNT, allowAll, doc, inventoryOf, managedPolicy, role, user } from '../iam/builders.ts';
import { endpoint, inventory, region, runRule, serviceName, vpc } from '../support/inventory.ts';

const WORK = mkdtempSync(join(tmpdir(), 'fix-commands-'));
const MARKER = join(WORK, 'pwned');
afterAll(() => rmSync(WORK, { recursive: true, force: true }));

/** Names an evidence file may hold: each would run `touch MARKER` if pasted unquoted. */
const HOSTILE = [
  `x$(touch ${MARKER})`,
  `x\`touch ${MARKER}\``,
  `x'; touch ${MARKER}; '`,
  `x" && touch ${MARKER} #`,
  `x\ntouch ${MARKER}`,
  `x|touch ${MARKER}&`,
];

/** Runs `command` in sh with `aws` printing its arguments one per line, NUL-separated. */
function argumentsOf(command: string): string[] {
  const script = `aws() { printf '%s\\0' "$@"; }; ${command.replaceAll('<subnet-ids>', 'subnet-1').replaceAll('<sg-ids>', 'sg-1')}`;
  const output = execFileSync('sh', ['-c', script], { cwd: WORK, encoding: 'utf8' });
  return output.split('\0').slice(0, -1);
}

const COMMAND =
  /aws (?:ec2|iam) .*?(?:--private-dns-enabled|--enable-dns-support|--enable-dns-hostnames|file:\/\/deny\.json|file:\/\/policy\.json(?: --set-as-default)?)/gs;

function fixCommands(input: Inventory, ruleId: string): string[] {
  const rule = RULES.find((candidate) => candidate.meta.id === ruleId);
  if (rule === undefined) throw new Error(`no rule ${ruleId}`);
  const failures = runRule(rule, input, { allowedSourceCidrs: ['203.0.113.0/24'] }).results.filter(
    (result) => result.status === 'FAIL',
  );
  expect(failures.length).toBeGreaterThan(0);
  return failures.flatMap((result) => result.remediation.match(COMMAND) ?? []);
}

describe('shellQuote', () => {
  it.each([...HOSTILE, '', 'plain-name', "it's", 'a b', '*', '~root', '!!', 'back\\slash', 'ünïcode'])(
    'passes %j to a command as exactly one argument',
    (value) => {
      // Act
      const received = argumentsOf(`aws ${shellQuote(value)}`);

      // Assess
      expect(received).toEqual([value]);
      expect(existsSync(MARKER)).toBe(false);
    },
  );

  it('leaves names made of safe characters bare, so the usual fix reads as before', () => {
    // Assess
    expect(shellQuote('vpc-0123456789abcdef0')).toBe('vpc-0123456789abcdef0');
    expect(shellQuote('arn:aws:iam::111122223333:policy/team/ml+data=x,y@z')).toBe(
      'arn:aws:iam::111122223333:policy/team/ml+data=x,y@z',
    );
    expect(shellQuote("x'y")).toBe(`'x'\\''y'`);
  });
});

describe.each(HOSTILE)('fix commands for the name %j', (name) => {
  const REGION = 'eu-west-1';

  it.each([
    {
      ruleId: 'vpc-sagemaker-endpoints',
      input: inventory([region(REGION, { vpcs: [vpc(`vpc-1${name}`)] })]),
      expected: [`vpc-1${name}`, `vpc-1${name}`],
    },
    {
      ruleId: 'vpc-sagemaker-private-dns',
      input: inventory([
        region(REGION, {
          vpcs: [vpc(`vpc-1${name}`)],
          endpoints: [
            endpoint(`vpce-1${name}`, `vpc-1${name}`, serviceName(REGION, 'sagemaker.api'), {
              PrivateDnsEnabled: false,
            }),
          ],
          attributes: { [`vpc-1${name}`]: { enableDnsSupport: false, enableDnsHostnames: false } },
        }),
      ]),
      expected: [`vpce-1${name}`, `vpc-1${name}`, `vpc-1${name}`],
    },
    {
      ruleId: 'iam-principal-presigned-url-source-ip',
      input: inventoryOf({
        UserDetailList: [user(`alice${name}`, { inline: { grant: doc(allowAll) } })],
        RoleDetailList: [role(`ml${name}`, { inline: { grant: doc(allowAll) } })],
      }),
      expected: [`alice${name}`, `ml${name}`],
    },
    {
      ruleId: 'iam-policy-presigned-url-source-ip',
      input: inventoryOf({
        Policies: [managedPolicy(`p${name}`, doc(allowAll))],
        RoleDetailList: [role(`ml${name}`, { inline: { [`inline${name}`]: doc(allowAll) } })],
      }),
      expected: [`arn:aws:iam::${ACCOUNT}:policy/p${name}`, `ml${name}`, `inline${name}`],
    },
  ])('$ruleId quotes every interpolated value', ({ ruleId, input, expected }) => {
    // Act
    const commands = fixCommands(input, ruleId);
    const received = commands.flatMap(argumentsOf);

    // Assess
    expect(existsSync(MARKER)).toBe(false);
    for (const value of expected) expect(received).toContain(value);
    expect(received.filter((argument) => argument.includes(name))).toHaveLength(expected.length);
  });
});
