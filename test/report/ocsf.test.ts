import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { formatOcsf, OCSF_VERSION, type OcsfEvent, toOcsfEvents } from '../../src/report/ocsf.ts';
import { formatsReport } from '../fixtures/report/report.ts';
import { report, result } from '../support/report.ts';

const GOLDEN = new URL('../fixtures/report/formats.golden.ocsf.jsonl', import.meta.url);

interface FieldList {
  [object: string]: Record<string, { requirement: string; enum?: number[] }>;
}

/** Attributes, requirements and enum ids of OCSF 1.3.0, extracted from the ocsf-schema repository. */
const SCHEMA = JSON.parse(
  readFileSync(new URL('../fixtures/report/ocsf-1.3.0-compliance-finding.json', import.meta.url), 'utf8'),
) as FieldList;

/** Profile attributes are required only of events that apply the profile; these events apply `cloud` only. */
const PROFILES_NOT_APPLIED = ['osint'];

/** Checks one object against its field list: nothing unknown, nothing required missing, enum ids valid. */
function conforms(
  value: Record<string, unknown>,
  fields: FieldList[string] | undefined,
  where: string,
): void {
  expect(fields, where).toBeDefined();
  for (const [name, field] of Object.entries(fields ?? {})) {
    if (field.requirement === 'required' && !PROFILES_NOT_APPLIED.includes(name))
      expect(value, `${where} lacks required ${name}`).toHaveProperty(name);
    if (field.enum && name in value) expect(field.enum, `${where}.${name}`).toContain(value[name]);
  }
  for (const name of Object.keys(value))
    expect(Object.keys(fields ?? {}), `${where}.${name} is not OCSF`).toContain(name);
}

function conformsToSchema(event: OcsfEvent): void {
  const where = event.finding_info.uid;
  conforms(event as unknown as Record<string, unknown>, SCHEMA.class, where);
  conforms(event.metadata, SCHEMA.metadata, `${where}.metadata`);
  conforms(event.metadata.product, SCHEMA.product, `${where}.metadata.product`);
  conforms(event.finding_info, SCHEMA.finding_info, `${where}.finding_info`);
  conforms(event.compliance, SCHEMA.compliance, `${where}.compliance`);
  conforms(event.cloud, SCHEMA.cloud, `${where}.cloud`);
  conforms(event.cloud.account, SCHEMA.account, `${where}.cloud.account`);
  for (const resource of event.resources) conforms(resource, SCHEMA.resource_details, `${where}.resources`);
  if (event.remediation) conforms(event.remediation, SCHEMA.remediation, `${where}.remediation`);
}

describe('toOcsfEvents', () => {
  it('writes the events exactly as the golden file shows them, one JSON object per line', async () => {
    // Prepare
    const expected = await readFile(GOLDEN, 'utf8');

    // Act
    const ocsf = formatOcsf(formatsReport());

    // Assess
    expect(ocsf).toBe(expected);
    const lines = ocsf.trimEnd().split('\n');
    expect(lines).toHaveLength(9);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('gives every event the fields OCSF 1.3.0 requires of a Compliance Finding, and only OCSF fields', () => {
    // Act
    const events = toOcsfEvents(formatsReport());

    // Assess
    expect(OCSF_VERSION).toBe('1.3.0');
    for (const event of events) {
      conformsToSchema(event);
      expect(event).toMatchObject({ class_uid: 2003, category_uid: 2, metadata: { version: '1.3.0' } });
      expect(event.type_uid).toBe(2003 * 100 + event.activity_id);
      expect(Number.isInteger(event.time)).toBe(true);
      expect(event.metadata.profiles).toEqual(['cloud']);
    }
  });

  it.each([
    ['PASS', 1, 'Pass'],
    ['FAIL', 3, 'Fail'],
    ['ERROR', 2, 'Warning'],
  ] as const)('maps a %s result to compliance status %i (%s), a new finding', (status, statusId, caption) => {
    // Prepare
    const input = report([result(status, 'vpc-1', 'the message')]);

    // Act
    const [event] = toOcsfEvents(input);

    // Assess
    expect(event?.compliance).toEqual({
      standards: ['SageMaker private networking (sagemaker-compliance-scanner rules)'],
      control: 'vpc-sagemaker-endpoints',
      status_id: statusId,
      status: caption,
      status_code: status,
      status_detail: 'the message',
    });
    expect([event?.status_id, event?.status]).toEqual([1, 'New']);
    expect([event?.activity_id, event?.type_uid]).toEqual([1, 200301]);
    expect(event?.remediation === undefined).toBe(status === 'PASS');
    if (event) conformsToSchema(event);
  });

  it('marks a muted FAIL as a suppressed finding and keeps the exception in unmapped', () => {
    // Prepare
    const muted = { reason: 'sandbox', expires: '2026-06-30', entry: 0 };
    const input = report([result('FAIL', 'vpc-1', 'bad', { muted })]);

    // Act
    const [event] = toOcsfEvents(input);

    // Assess
    expect([event?.status_id, event?.status]).toEqual([3, 'Suppressed']);
    expect(event?.compliance.status_id).toBe(3);
    expect(event?.unmapped.muted).toEqual(muted);
  });

  it('updates a finding seen before, and closes one whose resource is gone', () => {
    // Act
    const events = toOcsfEvents(formatsReport());

    // Assess
    const byResource = Object.fromEntries(events.map((event) => [event.resources[0]?.name, event]));
    expect(byResource['vpc-0a1b2c3d4e5f60001']?.activity_name).toBe('Create');
    expect(byResource['vpc-0a1b2c3d4e5f60002']?.activity_name).toBe('Update');
    expect(byResource['vpc-0a1b2c3d4e5f60002']?.finding_info.first_seen_time).toBe(
      Date.parse('2025-02-20T02:00:00.000Z'),
    );
    const gone = byResource['vpce-0deleted00000000'];
    expect([gone?.activity_id, gone?.type_uid, gone?.status]).toEqual([3, 200303, 'Resolved']);
    expect(gone?.compliance.status_id).toBeUndefined();
    expect(gone?.compliance.status_code).toBe('RESOLVED');
  });

  it('names the account, and the region and partition unless the resource is global', () => {
    // Prepare
    const arn = 'arn:aws-cn:iam::111122223333:role/ml';
    const input = report([
      result('FAIL', arn, 'open', { region: 'global', resourceArn: arn, resourceType: 'AWS::IAM::Role' }),
      result('FAIL', 'vpc-1', 'bad', { region: 'cn-north-1' }),
    ]);

    // Act
    const [iam, vpc] = toOcsfEvents(input);

    // Assess
    expect(iam?.cloud).toEqual({
      provider: 'AWS',
      account: { uid: '111122223333', type_id: 10, type: 'AWS Account' },
    });
    expect(iam?.resources).toEqual([
      { uid: arn, name: arn, type: 'AWS::IAM::Role', cloud_partition: 'aws-cn' },
    ]);
    expect(vpc?.cloud.region).toBe('cn-north-1');
    expect(vpc?.resources[0]).toMatchObject({
      uid: 'vpc-1',
      region: 'cn-north-1',
      cloud_partition: 'aws-cn',
    });
  });

  it('writes nothing for a scan without results', () => {
    // Act
    const ocsf = formatOcsf(report([]));

    // Assess
    expect(ocsf).toBe('');
  });
});
