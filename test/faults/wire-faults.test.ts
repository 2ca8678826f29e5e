import { DescribeVpcAttributeCommand } from '@aws-sdk/client-ec2';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients, DEFAULT_TIMEOUTS } from '../../src/collect/clients.ts';
import { AccountUnidentifiedError } from '../../src/collect/errors.ts';
import { collectLive } from '../../src/collect/index.ts';
import { responseContracts } from '../../src/collect/responses.ts';
import { runScan } from '../../src/engine/scan.ts';
import { selectRules } from '../../src/engine/select.ts';
import { DEFAULT_RULE_CONFIG } from '../../src/model/config.ts';
import type { Report } from '../../src/model/report.ts';
import {
  type FakeAws,
  FOREIGN_BODIES,
  startFakeAws,
  type WireAnswer,
  type WireCall,
} from '../support/aws-faults.ts';
import { bareAnswer, HEALTHY_JSON, healthy, jsonAnswer, WIRE_REGION, wireClients } from './wire-world.ts';

const ALL_RULES = selectRules(undefined);
const REACHABLE_RULE = 'vpc-sagemaker-endpoint-reachable';
const EC2_RULES = [REACHABLE_RULE, 'vpc-sagemaker-endpoints', 'vpc-sagemaker-private-dns'];
const IAM_RULES = [
  'iam-policy-presigned-domain-url-source-ip',
  'iam-policy-presigned-url-source-ip',
  'iam-presigned-url-approved-endpoints',
  'iam-principal-presigned-domain-url-source-ip',
  'iam-principal-presigned-url-source-ip',
];
const NOTEBOOK_RULES = [
  'sagemaker-notebook-network',
  'sagemaker-notebook-root-access',
  'sagemaker-private-path',
];
const DOMAIN_RULES = ['sagemaker-domain-vpc-only', 'sagemaker-private-path'];
const SAGEMAKER_RULES = [...new Set([...DOMAIN_RULES, ...NOTEBOOK_RULES])].sort();
/** The reachability rule also reads the notebooks and domains, for their security groups. */
const NOTEBOOK_READERS = [...NOTEBOOK_RULES, REACHABLE_RULE];
const DOMAIN_READERS = [...DOMAIN_RULES, REACHABLE_RULE];

let aws: FakeAws | undefined;

afterEach(async () => {
  await aws?.close();
  aws = undefined;
});

/** A live scan of every rule, every enabled region (so DescribeRegions is called), over the wire. */
async function scanOverWire(answer: (call: WireCall) => WireAnswer, options = {}): Promise<Report> {
  aws = await startFakeAws(answer);
  const { report } = await runScan({
    rules: ALL_RULES,
    config: DEFAULT_RULE_CONFIG,
    source: {
      kind: 'live',
      clients: wireClients(aws.endpoint),
      regions: 'all',
      homeRegion: WIRE_REGION,
      ...options,
    },
  });
  return report;
}

function replacing(action: string, reply: WireAnswer) {
  return (call: WireCall): WireAnswer => (call.action === action ? reply : healthy(call));
}

const statuses = (report: Report, ruleIds: readonly string[]) =>
  report.results
    .filter((result) => ruleIds.includes(result.ruleId))
    .map((result) => [result.ruleId, result.status]);

let baseline: Report;

beforeAll(async () => {
  baseline = await scanOverWire(healthy);
  await aws?.close();
  aws = undefined;
});

describe('the wire world without faults', () => {
  it('judges every rule without ERROR: the VPC and SageMaker rules PASS and the IAM rules FAIL', () => {
    // Assess
    expect(baseline.summary.error).toBe(0);
    expect(statuses(baseline, EC2_RULES)).toEqual([
      [REACHABLE_RULE, 'PASS'],
      [REACHABLE_RULE, 'PASS'],
      [REACHABLE_RULE, 'PASS'],
      [REACHABLE_RULE, 'PASS'],
      ['vpc-sagemaker-endpoints', 'PASS'],
      ['vpc-sagemaker-private-dns', 'PASS'],
      ['vpc-sagemaker-private-dns', 'PASS'],
    ]);
    expect(statuses(baseline, IAM_RULES)).toEqual([
      ['iam-policy-presigned-url-source-ip', 'FAIL'],
      ['iam-principal-presigned-url-source-ip', 'FAIL'],
    ]);
    expect(statuses(baseline, SAGEMAKER_RULES)).toEqual([
      ['sagemaker-domain-vpc-only', 'PASS'],
      ['sagemaker-notebook-network', 'PASS'],
      ['sagemaker-notebook-root-access', 'PASS'],
      ['sagemaker-private-path', 'PASS'],
      ['sagemaker-private-path', 'PASS'],
    ]);
    expect(baseline.complete).toBe(true);
  });

  it('counts one call per request, and every operation it calls has a declared response contract', () => {
    // Assess
    expect(baseline.stats.apiCalls).toEqual({
      'ec2:DescribeRegions': 1,
      'ec2:DescribeSecurityGroups': 1,
      'ec2:DescribeSubnets': 1,
      'ec2:DescribeVpcAttribute': 2,
      'ec2:DescribeVpcEndpointServices': 1,
      'ec2:DescribeVpcEndpoints': 1,
      'ec2:DescribeVpcs': 1,
      'iam:GetAccountAuthorizationDetails': 1,
      'iam:ListAccountAliases': 1,
      'organizations:DescribeOrganization': 1,
      'organizations:DescribePolicy': 1,
      'organizations:ListParents': 1,
      'organizations:ListPoliciesForTarget': 2,
      'organizations:ListRoots': 1,
      'sagemaker:DescribeDomain': 1,
      'sagemaker:DescribeNotebookInstance': 1,
      'sagemaker:ListDomains': 1,
      'sagemaker:ListNotebookInstances': 1,
      'sts:GetCallerIdentity': 1,
    });
    expect(Object.keys(responseContracts()).sort()).toEqual(
      [
        ...Object.keys(baseline.stats.apiCalls),
        // Only `--organization` lists accounts: test/collect/organization.test.ts.
        'organizations:ListAccounts',
        'organizations:ListAccountsForParent',
        'organizations:ListChildren',
      ].sort(),
    );
  });

  it('reads the SCPs of the account: FullAWSAccess at the root and the account leaves the IAM FAIL as it is', () => {
    // Prepare
    const principal = baseline.results.find(
      (result) => result.ruleId === 'iam-principal-presigned-url-source-ip',
    );

    // Assess
    expect(principal?.status).toBe('FAIL');
    expect(principal?.evidence.scpsEvaluated).toBe(true);
  });
});

describe('a foreign answer to an Organizations call', () => {
  it.each(['DescribeOrganization', 'ListRoots', 'ListParents', 'ListPoliciesForTarget', 'DescribePolicy'])(
    'leaves the SCPs unevaluated after %s, with the reason, and the IAM verdict as it was',
    async (action) => {
      // Act
      const report = await scanOverWire(
        replacing(action, { body: '{}', contentType: 'application/x-amz-json-1.1' }),
      );

      // Assess
      const principal = report.results.find(
        (result) => result.ruleId === 'iam-principal-presigned-url-source-ip',
      );
      expect(principal?.status).toBe('FAIL');
      expect(principal?.evidence.scpsEvaluated).toBe(false);
      expect(principal?.evidence.scpsNotEvaluated).toMatch(
        /^the SCPs could not be read \((IncompleteResponse|InconsistentPagination): /,
      );
    },
  );
});

/** Each operation, and the rules that can no longer judge when its answer is not AWS's. */
const OPERATIONS = [
  { action: 'DescribeRegions', rules: [...EC2_RULES, ...SAGEMAKER_RULES] },
  { action: 'DescribeVpcEndpointServices', rules: [...EC2_RULES, ...SAGEMAKER_RULES] },
  { action: 'DescribeVpcs', rules: [...EC2_RULES, 'sagemaker-private-path'] },
  { action: 'DescribeVpcEndpoints', rules: [...EC2_RULES, 'sagemaker-private-path'] },
  { action: 'DescribeVpcAttribute', rules: ['vpc-sagemaker-private-dns', 'sagemaker-private-path'] },
  { action: 'DescribeSubnets', rules: ['sagemaker-private-path', REACHABLE_RULE] },
  { action: 'DescribeSecurityGroups', rules: [REACHABLE_RULE] },
  { action: 'ListNotebookInstances', rules: NOTEBOOK_READERS },
  { action: 'DescribeNotebookInstance', rules: NOTEBOOK_READERS },
  { action: 'ListDomains', rules: DOMAIN_READERS },
  { action: 'DescribeDomain', rules: DOMAIN_READERS },
  { action: 'GetAccountAuthorizationDetails', rules: IAM_RULES },
];

const BODIES: [string, (action: string) => WireAnswer][] = [
  ...Object.entries(FOREIGN_BODIES).map(([what, reply]): [string, (action: string) => WireAnswer] => [
    what,
    () => ({ ...reply }),
  ]),
  [
    'a well-formed answer without its fields',
    (action) => (action in HEALTHY_JSON ? jsonAnswer({}) : { body: bareAnswer(action) }),
  ],
];

const CASES = OPERATIONS.flatMap((operation) =>
  BODIES.map(([what, reply]) => ({ ...operation, what, reply: reply(operation.action) })),
);

describe('an HTTP 200 that is not an AWS answer', () => {
  it.each(CASES)(
    '$action answering $what: ERROR (IncompleteResponse) quoting $action for the rules that need it, never "no resources"',
    async ({ action, rules, reply }) => {
      // Act
      const report = await scanOverWire(replacing(action, reply));

      // Assess
      const affected = report.results.filter((result) => rules.includes(result.ruleId));
      expect(affected.length).toBeGreaterThan(0);
      for (const result of affected) {
        expect(result.status).toBe('ERROR');
        expect(result.message).toContain('IncompleteResponse');
        expect(result.message).toContain(action);
      }
      const others = (r: Report) => r.results.filter((result) => !rules.includes(result.ruleId));
      expect(others(report).map((result) => [result.id, result.status])).toEqual(
        others(baseline).map((result) => [result.id, result.status]),
      );
    },
  );

  it.each(BODIES)(
    'GetCallerIdentity answering %s: the scan fails with AccountUnidentified naming GetCallerIdentity',
    async (_what, reply) => {
      // Act
      const scanning = scanOverWire(replacing('GetCallerIdentity', reply('GetCallerIdentity')));

      // Assess
      await expect(scanning).rejects.toBeInstanceOf(AccountUnidentifiedError);
      await expect(scanning).rejects.toThrow(
        /GetCallerIdentity failed: IncompleteResponse: GetCallerIdentity answered/,
      );
    },
  );

  it('turns DescribeRegions listing zero regions into ERROR with "complete": false, not a scan of nothing', async () => {
    // Act
    const report = await scanOverWire(
      replacing('DescribeRegions', {
        body: bareAnswer('DescribeRegions').replace('</requestId>', '</requestId><regionInfo/>'),
      }),
    );

    // Assess
    expect(statuses(report, EC2_RULES)).toEqual([
      [REACHABLE_RULE, 'ERROR'],
      ['vpc-sagemaker-endpoints', 'ERROR'],
      ['vpc-sagemaker-private-dns', 'ERROR'],
    ]);
    const endpoints = report.results.find((result) => result.ruleId === EC2_RULES[0]);
    expect(endpoints?.region).toBe(WIRE_REGION);
    expect(endpoints?.message).toContain(
      'IncompleteResponse: could not list the enabled regions (DescribeRegions), so no region was scanned: DescribeRegions answered with an empty Regions',
    );
    expect(report.complete).toBe(false);
  });

  it('turns an endpoint-services listing without the S3 service every region has into ERROR, not "SageMaker not offered"', async () => {
    // Prepare
    const sageMakerOnly = bareAnswer('DescribeVpcEndpointServices').replace(
      '</requestId>',
      `</requestId><serviceNameSet><item>com.amazonaws.${WIRE_REGION}.sagemaker.api</item></serviceNameSet>`,
    );

    // Act
    const report = await scanOverWire(replacing('DescribeVpcEndpointServices', { body: sageMakerOnly }));

    // Assess
    expect(statuses(report, EC2_RULES)).toEqual([
      [REACHABLE_RULE, 'ERROR'],
      ['vpc-sagemaker-endpoints', 'ERROR'],
      ['vpc-sagemaker-private-dns', 'ERROR'],
    ]);
    expect(report.scope.skipped).toEqual([]);
    expect(report.results.find((result) => result.ruleId === EC2_RULES[0])?.message).toContain(
      `DescribeVpcEndpointServices listed 1 ServiceNames in ${WIRE_REGION} but not com.amazonaws.${WIRE_REGION}.s3`,
    );
  });

  it('still reads an account that really has no VPCs, notebooks, domains or IAM principals (empty lists) without ERROR', async () => {
    // Prepare
    const emptyLists: Record<string, string> = {
      DescribeVpcs: '<vpcSet/>',
      DescribeVpcEndpoints: '<vpcEndpointSet/>',
    };

    const emptyJson: Record<string, Record<string, unknown>> = {
      ListNotebookInstances: { NotebookInstances: [] },
      ListDomains: { Domains: [] },
    };

    // Act
    const report = await scanOverWire((call) => {
      const json = emptyJson[call.action];
      if (json) return jsonAnswer(json);
      if (call.action in emptyLists) {
        return {
          body: bareAnswer(call.action).replace('</requestId>', `</requestId>${emptyLists[call.action]}`),
        };
      }
      if (call.action === 'GetAccountAuthorizationDetails') {
        return {
          body: bareAnswer(call.action).replace(
            '<GetAccountAuthorizationDetailsResult>',
            '<GetAccountAuthorizationDetailsResult><IsTruncated>false</IsTruncated><UserDetailList/><GroupDetailList/><RoleDetailList/><Policies/>',
          ),
        };
      }
      return healthy(call);
    });

    // Assess
    expect(report.summary.error).toBe(0);
    expect(report.complete).toBe(true);
    expect(aws?.count('DescribeSubnets')).toBe(0);
    expect(aws?.count('DescribeNotebookInstance')).toBe(0);
  });
});

describe('many requests in flight', () => {
  it('share one cancellation signal without Node warning about its listeners', async () => {
    // Prepare
    aws = await startFakeAws(healthy);
    const client = wireClients(aws.endpoint).ec2(WIRE_REGION);
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);

    // Act
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        client.send(
          new DescribeVpcAttributeCommand({ VpcId: `vpc-${index}`, Attribute: 'enableDnsSupport' }),
        ),
      ),
    );
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);

    // Assess
    expect(warnings).toEqual([]);
    expect(aws.count('DescribeVpcAttribute')).toBe(20);
  });
});

describe('a server that accepts and never answers', () => {
  it('makes each attempt a TimeoutError, retries it, then reports ERROR (TimeoutError) for the section', async () => {
    // Prepare
    const silentVpcs = replacing('DescribeVpcs', 'silent');
    aws = await startFakeAws(silentVpcs);
    const clients = wireClients(aws.endpoint, {
      maxAttempts: 3,
      timeouts: { connectionMs: 200, requestMs: 100 },
    });

    // Act
    const { report } = await runScan({
      rules: ALL_RULES,
      config: DEFAULT_RULE_CONFIG,
      source: { kind: 'live', clients, regions: [WIRE_REGION], homeRegion: WIRE_REGION },
    });

    // Assess
    expect(aws.count('DescribeVpcs')).toBe(3);
    expect(statuses(report, EC2_RULES)).toEqual([
      [REACHABLE_RULE, 'ERROR'],
      ['vpc-sagemaker-endpoints', 'ERROR'],
      ['vpc-sagemaker-private-dns', 'ERROR'],
    ]);
    expect(report.results.find((result) => result.ruleId === EC2_RULES[0])?.message).toContain(
      'vpcs (TimeoutError: @smithy/node-http-handler - [ERROR] a request has exceeded the configured 100 ms requestTimeout.',
    );
    expect(statuses(report, IAM_RULES)).toEqual(statuses(baseline, IAM_RULES));
  });

  it('gives every client the documented timeouts, with request timeouts that throw instead of only warning', async () => {
    // Prepare
    aws = await startFakeAws(healthy);
    const clients = new AwsClients({
      overrides: {
        endpoint: aws.endpoint,
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      },
    });
    const used = [clients.ec2(WIRE_REGION), clients.iam(WIRE_REGION), clients.sts(WIRE_REGION)];

    // Act
    await collectLive({
      clients,
      regions: [WIRE_REGION],
      homeRegion: WIRE_REGION,
      needs: new Set(['vpcs', 'iam']),
    });

    // Assess
    for (const client of used) {
      const handler = client.config.requestHandler as { httpHandlerConfigs(): Record<string, unknown> };
      expect(handler.httpHandlerConfigs()).toMatchObject({
        connectionTimeout: DEFAULT_TIMEOUTS.connectionMs,
        requestTimeout: DEFAULT_TIMEOUTS.requestMs,
        socketTimeout: DEFAULT_TIMEOUTS.requestMs,
        throwOnRequestTimeout: true,
      });
    }
    expect(DEFAULT_TIMEOUTS).toEqual({ connectionMs: 5_000, requestMs: 30_000 });
  });

  it('stops at the scan deadline: the silent call is cancelled, not retried, and its section is DeadlineExceeded', async () => {
    // Prepare
    const deadline = new AbortController();
    // The deadline passes while IAM keeps the request waiting.
    aws = await startFakeAws((call) => {
      if (call.action !== 'GetAccountAuthorizationDetails') return healthy(call);
      deadline.abort();
      return 'silent';
    });
    const clients = wireClients(aws.endpoint, {
      maxAttempts: 3,
      timeouts: { connectionMs: 60_000, requestMs: 60_000 },
    });

    // Act
    const { report } = await runScan({
      rules: ALL_RULES,
      config: DEFAULT_RULE_CONFIG,
      source: {
        kind: 'live',
        clients,
        regions: [WIRE_REGION],
        homeRegion: WIRE_REGION,
        deadline: deadline.signal,
      },
    });

    // Assess
    expect(report.complete).toBe(false);
    expect(aws.count('GetAccountAuthorizationDetails')).toBe(1);
    const iam = report.results.filter((result) => IAM_RULES.includes(result.ruleId));
    expect(iam.map((result) => result.status)).toEqual(['ERROR', 'ERROR', 'ERROR', 'ERROR', 'ERROR']);
    expect(iam[0]?.message).toContain('DeadlineExceeded: not finished before the scan deadline');
  });
});
