import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { generateSchemas } from '../../scripts/generate-schemas.ts';
import { runScan } from '../../src/engine/scan.ts';
import { DEFAULT_RULE_CONFIG } from '../../src/model/config.ts';
import type { Inventory } from '../../src/model/inventory.ts';
import type { Report } from '../../src/model/report.ts';
import type { reportSchema } from '../../src/model/report-schema.ts';
import { loadSnapshot } from '../../src/model/snapshot.ts';
import { RULES } from '../../src/rules/index.ts';
import { endpoint, inventory, OTHER_ACCOUNT_ID, region, serviceName, vpc } from '../support/inventory.ts';

const ROOT = new URL('../../', import.meta.url);
const DEMO = new URL('examples/demo-account.json', ROOT).pathname;

function committed(path: string): string {
  return readFileSync(new URL(path, ROOT), 'utf8');
}

function validator(path: string) {
  const ajv = new Ajv2020({ allErrors: true, strict: true, validateFormats: false });
  return ajv.compile(JSON.parse(committed(path)));
}

const validateReport = validator('schemas/report.schema.json');
const validateSnapshot = validator('schemas/snapshot.schema.json');

async function reportOf(snapshot: Inventory, regions?: string[]): Promise<Report> {
  const { report } = await runScan({
    rules: RULES,
    config: DEFAULT_RULE_CONFIG,
    source: { kind: 'snapshot', inventory: snapshot, regions },
  });
  return JSON.parse(JSON.stringify(report)) as Report;
}

/** An inventory that gives every kind of result: PASS, FAIL, ERROR, skips, a missing region. */
function everyOutcome(): Inventory {
  const name = 'eu-west-1';
  return inventory([
    region(name, {
      vpcs: [vpc('vpc-ok'), vpc('vpc-bad'), vpc('vpc-shared', { OwnerId: OTHER_ACCOUNT_ID })],
      endpoints: [
        endpoint('vpce-a', 'vpc-ok', serviceName(name, 'sagemaker.api')),
        endpoint('vpce-r', 'vpc-ok', serviceName(name, 'sagemaker.runtime'), { PrivateDnsEnabled: false }),
        { ...endpoint('vpce-x', 'vpc-bad', serviceName(name, 'sagemaker.api')), State: undefined },
      ],
    }),
    region('us-east-1', { services: [] }),
    {
      region: 'eu-west-2',
      collectionErrors: [{ section: '*', code: 'Throttling', message: 'Rate exceeded' }],
    },
  ]);
}

describe('published JSON Schemas', () => {
  it('are the committed files, regenerated from the zod schemas (npm run schemas)', () => {
    // Act
    const generated = generateSchemas();

    // Assess
    expect(Object.keys(generated).sort()).toEqual([
      'schemas/report.schema.json',
      'schemas/snapshot.schema.json',
    ]);
    for (const [path, schema] of Object.entries(generated))
      expect(JSON.parse(committed(path)), path).toEqual(schema);
  });

  it('describe the Report type: each is assignable to the other', () => {
    // Assess
    expectTypeOf<z.output<typeof reportSchema>>().toExtend<Report>();
    expectTypeOf<Report>().toExtend<z.output<typeof reportSchema>>();
  });

  it('accept the demo snapshot', async () => {
    // Prepare
    const demo = JSON.parse(committed('examples/demo-account.json'));

    // Act
    const valid = validateSnapshot(demo);

    // Assess
    expect(validateSnapshot.errors).toBeNull();
    expect(valid).toBe(true);
  });

  it('accept the report of the demo snapshot', async () => {
    // Prepare
    const report = await reportOf(await loadSnapshot(DEMO));

    // Act
    const valid = validateReport(report);

    // Assess
    expect(validateReport.errors).toBeNull();
    expect(valid).toBe(true);
    expect(report.summary.pass).toBeGreaterThan(0);
    expect(report.summary.fail).toBeGreaterThan(0);
    const vpc = (id: string) =>
      report.results.find(
        (result) => result.ruleId === 'vpc-sagemaker-endpoints' && result.resourceId === id,
      );
    expect(vpc('vpc-0b22c0ffee0000002')?.resourceName).toBe('ml-staging');
    expect(vpc('vpc-0d44c0ffee0000004')?.defaultVpc).toBe(true);
  });

  it('accept a report with PASS, FAIL, ERROR, skips and a region missing from the snapshot', async () => {
    // Prepare
    const report = await reportOf(everyOutcome(), ['eu-west-1', 'eu-west-2', 'us-east-1', 'ap-south-1']);

    // Act
    const valid = validateReport(report);

    // Assess
    expect(validateReport.errors).toBeNull();
    expect(valid).toBe(true);
    expect(report.summary).toMatchObject({ pass: expect.any(Number), fail: expect.any(Number) });
    expect(report.summary.error).toBeGreaterThanOrEqual(5);
    expect(report.scope.skipped.length).toBeGreaterThan(0);
    expect(validateSnapshot(everyOutcome())).toBe(true);
  });

  it.each([
    [
      'a result status outside PASS/FAIL/ERROR',
      (report: Report) => Object.assign(report.results[0] ?? {}, { status: 'WARN' }),
    ],
    ['a missing summary', (report: Report) => Reflect.deleteProperty(report, 'summary')],
    ['an unknown top-level field', (report: Report) => Object.assign(report, { extra: true })],
  ])('reject a report with %s', async (_case, spoil) => {
    // Prepare
    const report = await reportOf(await loadSnapshot(DEMO));
    spoil(report);

    // Act
    const valid = validateReport(report);

    // Assess
    expect(valid).toBe(false);
  });

  it('reject a snapshot without accounts', () => {
    // Prepare
    const demo = JSON.parse(committed('examples/demo-account.json'));
    delete demo.accounts;

    // Act
    const valid = validateSnapshot(demo);

    // Assess
    expect(valid).toBe(false);
    expect(validateSnapshot.errors?.[0]?.params).toEqual({ missingProperty: 'accounts' });
  });
});
