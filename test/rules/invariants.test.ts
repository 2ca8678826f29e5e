import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../src/model/inventory.ts';
import { formatTable } from '../../src/report/table.ts';
import { formatText } from '../../src/report/text.ts';
import { RULES } from '../../src/rules/index.ts';
import { rule as endpointsRule } from '../../src/rules/vpc-sagemaker-endpoints.ts';
import { allowAll, DOMAIN_ACTION, doc, guardrail, managedPolicy, role, user } from '../iam/builders.ts';
import {
  ACCOUNT_ID,
  domain,
  endpoint,
  notebook,
  OTHER_ACCOUNT_ID,
  region,
  repeatedResultIds,
  runRule,
  serviceName,
  subnet,
  vpc,
} from '../support/inventory.ts';
import { report } from '../support/report.ts';

/** Two accounts, two regions each, every kind of verdict: the same resource ids in both accounts. */
function richInventory(): Inventory {
  const regionOf = (name: string) =>
    region(name, {
      vpcs: [vpc('vpc-1'), vpc('vpc-2'), vpc('vpc-shared', { OwnerId: '999988887777' })],
      endpoints: [
        endpoint('vpce-a', 'vpc-1', serviceName(name, 'sagemaker.api')),
        endpoint('vpce-r', 'vpc-1', serviceName(name, 'sagemaker.runtime'), { PrivateDnsEnabled: false }),
        endpoint('vpce-x', 'vpc-2', serviceName(name, 'sagemaker.api'), { State: 'pendingAcceptance' }),
      ],
      subnets: [subnet('subnet-1', 'vpc-1')],
      notebooks: [
        notebook('private', 'subnet-1'),
        notebook('open', undefined, { DirectInternetAccess: 'Enabled', RootAccess: 'Enabled' }),
        notebook('unknown', 'subnet-1', { DirectInternetAccess: undefined, RootAccess: undefined }),
      ],
      domains: [
        domain('d-vpc', 'private', 'vpc-1', ['subnet-1']),
        domain('d-public', 'public', 'vpc-1', ['subnet-1'], { AppNetworkAccessType: 'PublicInternetOnly' }),
      ],
    });
  const iam = {
    UserDetailList: [
      user('alice', { inline: { open: doc(allowAll), guarded: doc(allowAll, guardrail()) } }),
      user('bob', { inline: { broken: '{not json' } }),
      user('dave', {
        inline: { viaApi: doc({ ...allowAll, Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-a' } } }) },
      }),
      user('erin', {
        inline: {
          viaTypo: doc({ ...allowAll, Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-typo' } } }),
        },
      }),
      user('carol', {
        inline: {
          studio: doc({ ...allowAll, Action: DOMAIN_ACTION }),
          guardedStudio: doc(
            { ...allowAll, Action: DOMAIN_ACTION },
            { ...guardrail(), Action: DOMAIN_ACTION },
          ),
        },
      }),
    ],
    RoleDetailList: [role('ml', { inline: { open: doc(allowAll) } })],
    Policies: [managedPolicy('team', doc(allowAll))],
  };
  return {
    snapshotVersion: 1,
    collectedAt: '2026-01-01T00:00:00.000Z',
    partition: 'aws',
    accounts: [ACCOUNT_ID, OTHER_ACCOUNT_ID].map((accountId) => ({
      accountId,
      iam,
      regions: [regionOf('eu-west-1'), regionOf('us-east-1'), { region: 'eu-central-1' }],
    })),
  };
}

describe.each(RULES.map((rule) => [rule.meta.id, rule] as const))('%s', (_id, rule) => {
  it('gives each result its own id across accounts, regions and verdicts', () => {
    // Act
    const { results } = runRule(rule, richInventory());

    // Assess
    expect(new Set(results.map((result) => result.status)).size).toBeGreaterThan(1);
    expect(repeatedResultIds(results)).toEqual([]);
  });
});

describe('result id invariant', () => {
  it('names an id seen twice', () => {
    // Assess
    expect(repeatedResultIds([{ id: 'a' }, { id: 'b' }, { id: 'a' }, { id: 'a' }])).toEqual(['a']);
    expect(repeatedResultIds([{ id: 'a' }, { id: 'b' }])).toEqual([]);
  });
});

describe('a region of 200,000 VPCs', () => {
  const COUNT = 200_000;
  const inventoryOf = (owner: string): Inventory => ({
    snapshotVersion: 1,
    collectedAt: '2026-01-01T00:00:00.000Z',
    partition: 'aws',
    accounts: [
      {
        accountId: ACCOUNT_ID,
        regions: [
          region('eu-west-1', {
            vpcs: Array.from({ length: COUNT }, (_, index) =>
              vpc(`vpc-${index.toString(16).padStart(17, '0')}`, { OwnerId: owner }),
            ),
          }),
        ],
      },
    ],
  });

  it('is judged whole, one result per VPC, and the table and text render it', { timeout: 120_000 }, () => {
    // Act
    const { results } = runRule(endpointsRule, inventoryOf(ACCOUNT_ID));
    const scanned = report(results);
    const table = formatTable(scanned);
    const text = formatText(scanned);

    // Assess
    expect(results).toHaveLength(COUNT);
    expect(results.every((result) => result.status === 'FAIL')).toBe(true);
    expect(table).toContain(`${COUNT} results: 0 PASS, ${COUNT} FAIL, 0 ERROR`);
    expect(text).toContain(`${COUNT} results: 0 PASS, ${COUNT} FAIL, 0 ERROR`);
  });

  it('lists every shared VPC as skipped, and the text report lists them', { timeout: 60_000 }, () => {
    // Act
    const { results, skipped } = runRule(endpointsRule, inventoryOf('999988887777'));
    const text = formatText(
      report(results, {
        scope: { accounts: [ACCOUNT_ID], regions: ['eu-west-1'], rules: [endpointsRule.meta.id], skipped },
      }),
    );

    // Assess
    expect(results).toEqual([]);
    expect(skipped).toHaveLength(COUNT);
    expect(text).toContain(`Not judged (${COUNT}):`);
  });
});
