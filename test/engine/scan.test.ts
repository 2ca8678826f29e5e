import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/engine/scan.ts';
import { selectRules } from '../../src/engine/select.ts';
import { DEFAULT_RULE_CONFIG } from '../../src/model/config.ts';
import { endpoint, inventory, region, serviceName, vpc } from '../support/inventory.ts';

describe('runScan over a snapshot', () => {
  it('builds the report: scope, summary by rule and severity, and no AWS calls', async () => {
    // Prepare
    const name = 'eu-west-1';
    const snapshot = inventory([
      region(name, {
        vpcs: [vpc('vpc-ok'), vpc('vpc-bad')],
        endpoints: [
          endpoint('vpce-a', 'vpc-ok', serviceName(name, 'sagemaker.api')),
          endpoint('vpce-r', 'vpc-ok', serviceName(name, 'sagemaker.runtime'), { PrivateDnsEnabled: false }),
        ],
      }),
    ]);
    const times = [new Date('2026-03-01T02:00:00.000Z'), new Date('2026-03-01T02:00:01.500Z')];

    // Act
    const { report, inventory: judged } = await runScan({
      rules: selectRules(['vpc-sagemaker-endpoints', 'vpc-sagemaker-private-dns']),
      config: DEFAULT_RULE_CONFIG,
      source: { kind: 'snapshot', inventory: snapshot },
      scanId: 'scan-1',
      now: () => times.shift() as Date,
    });

    // Assess
    expect(judged).toBe(snapshot);
    expect(report).toMatchObject({
      schemaVersion: 1,
      tool: { name: 'sagemaker-compliance-scanner' },
      scanId: 'scan-1',
      startedAt: '2026-03-01T02:00:00.000Z',
      finishedAt: '2026-03-01T02:00:01.500Z',
      complete: true,
      scope: {
        accounts: ['111122223333'],
        regions: [name],
        rules: ['vpc-sagemaker-endpoints', 'vpc-sagemaker-private-dns'],
        skipped: [],
      },
      summary: {
        pass: 2,
        fail: 2,
        error: 0,
        byRule: {
          'vpc-sagemaker-endpoints': { pass: 1, fail: 1, error: 0 },
          'vpc-sagemaker-private-dns': { pass: 1, fail: 1, error: 0 },
        },
        bySeverity: { high: { pass: 2, fail: 2, error: 0 } },
      },
      stats: { apiCalls: {} },
    });
    expect(report.results).toHaveLength(4);
  });
});
