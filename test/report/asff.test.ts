import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { resultId } from '../../src/model/result.ts';
import { ASFF_LIMITS, formatAsff, toAsffFindings } from '../../src/report/asff.ts';
import { formatsReport } from '../fixtures/report/report.ts';
import { report, result } from '../support/report.ts';

const GOLDEN = new URL('../fixtures/report/formats.golden.asff.json', import.meta.url);

/** The top-level attributes Security Hub requires of every finding (ASFF required attributes). */
const REQUIRED = [
  'AwsAccountId',
  'CreatedAt',
  'Description',
  'GeneratorId',
  'Id',
  'ProductArn',
  'Resources',
  'SchemaVersion',
  'Severity',
  'Title',
  'Types',
  'UpdatedAt',
];

/** Every top-level attribute the scanner writes; a new one is a decision, not an accident. */
const WRITTEN = [
  ...REQUIRED,
  'Compliance',
  'FindingProviderFields',
  'FirstObservedAt',
  'LastObservedAt',
  'Note',
  'ProductFields',
  'ProductName',
  'RecordState',
  'Remediation',
  'SourceUrl',
  'Workflow',
].sort();

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

describe('toAsffFindings', () => {
  it('writes the findings exactly as the golden file shows them', async () => {
    // Prepare
    const expected = await readFile(GOLDEN, 'utf8');

    // Act
    const asff = formatAsff(formatsReport(), { homeRegion: 'eu-west-1' });

    // Assess
    expect(asff).toBe(expected);
  });

  it('gives every finding the required attributes in the shapes and lengths Security Hub accepts', () => {
    // Act
    const findings = toAsffFindings(formatsReport(), { homeRegion: 'eu-west-1' });

    // Assess
    expect(findings).toHaveLength(9);
    for (const finding of findings) {
      const present = Object.keys(finding);
      for (const name of REQUIRED) expect(present, `${finding.Id} lacks ${name}`).toContain(name);
      for (const name of present) expect(WRITTEN).toContain(name);
      expect(finding.SchemaVersion).toBe('2018-10-08');
      expect(finding.AwsAccountId).toMatch(/^\d{12}$/);
      expect(finding.Id?.length).toBeLessThanOrEqual(512);
      expect(finding.ProductArn).toMatch(
        /^arn:aws(-cn|-us-gov)?:securityhub:[a-z0-9-]+:(\d{12}):product\/\2\/default$/,
      );
      expect(finding.ProductArn?.split(':')[4]).toBe(finding.AwsAccountId);
      expect(finding.CreatedAt).toMatch(TIMESTAMP);
      expect(finding.UpdatedAt).toMatch(TIMESTAMP);
      expect(finding.Types).toEqual(['Software and Configuration Checks/AWS Security Best Practices']);
      expect(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']).toContain(finding.Severity?.Label);
      expect(finding.FindingProviderFields).toEqual({ Severity: finding.Severity, Types: finding.Types });
      expect(finding.Title?.length).toBeGreaterThan(0);
      expect(finding.Description?.length).toBeGreaterThan(0);
      expect(finding.Resources).toHaveLength(1);
      expect(finding.Resources?.[0]?.Id?.length).toBeGreaterThan(0);
      expect(finding.Resources?.[0]?.Type?.length).toBeGreaterThan(0);
      expect(['PASSED', 'FAILED', 'NOT_AVAILABLE']).toContain(finding.Compliance?.Status);
      expect(['ACTIVE', 'ARCHIVED']).toContain(finding.RecordState);
      const fields = Object.entries(finding.ProductFields ?? {});
      expect(fields.length).toBeLessThanOrEqual(50);
      for (const [key, value] of fields) {
        expect(key.length).toBeLessThanOrEqual(128);
        expect(value.length).toBeLessThanOrEqual(2048);
      }
    }
  });

  it.each([
    ['PASS', 'PASSED'],
    ['FAIL', 'FAILED'],
    ['ERROR', 'NOT_AVAILABLE'],
  ] as const)('maps a %s result to Compliance.Status %s, an active finding', (status, compliance) => {
    // Prepare
    const input = report([result(status, 'vpc-1', 'message')]);

    // Act
    const [finding] = toAsffFindings(input);

    // Assess
    expect(finding?.Compliance).toEqual({ Status: compliance });
    expect(finding?.RecordState).toBe('ACTIVE');
    expect(finding?.Workflow).toBeUndefined();
    expect(finding?.ProductFields?.['sagemaker-compliance-scanner/Status']).toBe(status);
  });

  it('gives a fix to FAIL and ERROR findings only', () => {
    // Prepare
    const input = report([result('PASS', 'vpc-1', 'fine'), result('ERROR', 'vpc-2', 'unreadable')]);

    // Act
    const [pass, error] = toAsffFindings(input);

    // Assess
    expect(pass?.Remediation).toBeUndefined();
    expect(error?.Remediation).toEqual({
      Recommendation: {
        Text: 'fix vpc-2',
        Url: 'https://docs.aws.amazon.com/sagemaker/latest/dg/interface-vpc-endpoint.html',
      },
    });
  });

  it('suppresses a muted FAIL, with the reason, expiry and owner in a note', () => {
    // Prepare
    const input = report([
      result('FAIL', 'vpc-1', 'no endpoints', {
        muted: { reason: 'sandbox', expires: '2026-06-30', owner: 'ml-platform', entry: 0 },
      }),
    ]);

    // Act
    const [finding] = toAsffFindings(input);

    // Assess
    expect(finding?.Compliance).toEqual({ Status: 'FAILED' });
    expect(finding?.Workflow).toEqual({ Status: 'SUPPRESSED' });
    expect(finding?.Note).toEqual({
      Text: 'Accepted exception until 2026-06-30 (owner ml-platform): sandbox',
      UpdatedBy: 'sagemaker-compliance-scanner',
      UpdatedAt: '2026-03-01T02:00:01.000Z',
    });
    expect(finding?.ProductFields).toMatchObject({
      'sagemaker-compliance-scanner/MutedUntil': '2026-06-30',
      'sagemaker-compliance-scanner/MutedReason': 'sandbox',
    });
  });

  it('archives a previous problem whose resource is gone, and leaves one now PASS to its PASS finding', () => {
    // Prepare
    const findings = toAsffFindings(formatsReport(), { homeRegion: 'eu-west-1' });
    const gone = resultId('vpc-sagemaker-private-dns', '123456789012', 'us-east-1', 'vpce-0deleted00000000');
    const nowPass = resultId('vpc-sagemaker-endpoints', '123456789012', 'eu-west-1', 'vpc-0a1b2c3d4e5f60003');

    // Act
    const archived = findings.filter((finding) => finding.RecordState === 'ARCHIVED');
    const passing = findings.filter((finding) => finding.Id === `sagemaker-compliance-scanner/${nowPass}`);

    // Assess
    expect(archived.map((finding) => finding.Id)).toEqual([`sagemaker-compliance-scanner/${gone}`]);
    expect(archived[0]?.Compliance).toEqual({ Status: 'NOT_AVAILABLE' });
    expect(archived[0]?.ProductArn).toBe(
      'arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default',
    );
    expect(passing).toHaveLength(1);
    expect(passing[0]).toMatchObject({ RecordState: 'ACTIVE', Compliance: { Status: 'PASSED' } });
  });

  it('keeps the same finding id for the same problem in another scan', () => {
    // Prepare
    const id = resultId('vpc-sagemaker-endpoints', '111122223333', 'eu-west-1', 'vpc-1');
    const tonight = report([result('FAIL', 'vpc-1', 'bad', { id })], { scanId: 'scan-2' });
    const lastNight = report([result('FAIL', 'vpc-1', 'bad', { id })], { scanId: 'scan-1' });

    // Act
    const [a] = toAsffFindings(tonight);
    const [b] = toAsffFindings(lastNight);

    // Assess
    expect(a?.Id).toBe(`sagemaker-compliance-scanner/${id}`);
    expect(a?.Id).toBe(b?.Id);
  });

  it('sends findings about global IAM resources to the home region, in the partition of their ARN', () => {
    // Prepare
    const arn = 'arn:aws-cn:iam::111122223333:role/ml';
    const input = report(
      [result('FAIL', arn, 'open', { region: 'global', resourceType: 'AWS::IAM::Role', resourceArn: arn })],
      { scope: { accounts: ['111122223333'], regions: ['cn-north-1'], rules: [], skipped: [] } },
    );

    // Act
    const [byDefault] = toAsffFindings(input);
    const [homed] = toAsffFindings(input, { homeRegion: 'cn-northwest-1' });

    // Assess
    expect(byDefault?.ProductArn).toBe(
      'arn:aws-cn:securityhub:cn-north-1:111122223333:product/111122223333/default',
    );
    expect(homed?.ProductArn).toBe(
      'arn:aws-cn:securityhub:cn-northwest-1:111122223333:product/111122223333/default',
    );
    expect(homed?.Resources).toEqual([
      { Type: 'AwsIamRole', Id: arn, Partition: 'aws-cn', Region: 'cn-northwest-1' },
    ]);
    expect(homed?.ProductFields?.['sagemaker-compliance-scanner/Region']).toBe('global');
  });

  it('takes the partition from the region when a result has no ARN', () => {
    // Prepare
    const input = report([result('ERROR', 'us-gov-west-1', 'unreadable', { region: 'us-gov-west-1' })]);

    // Act
    const [finding] = toAsffFindings(input);

    // Assess
    expect(finding?.ProductArn).toBe(
      'arn:aws-us-gov:securityhub:us-gov-west-1:111122223333:product/111122223333/default',
    );
    expect(finding?.Resources?.[0]).toMatchObject({ Id: 'us-gov-west-1', Partition: 'aws-us-gov' });
  });

  it('cuts text that exceeds the ASFF limits, marking the cut', () => {
    // Prepare
    const long = 'x'.repeat(3000);
    const input = report([
      result('FAIL', 'vpc-1', long, {
        title: long,
        remediation: long,
        muted: { reason: long, expires: '2026-06-30', entry: 0 },
      }),
    ]);

    // Act
    const [finding] = toAsffFindings(input);

    // Assess
    expect(finding?.Title).toHaveLength(ASFF_LIMITS.title);
    expect(finding?.Title?.endsWith('…')).toBe(true);
    expect(finding?.Description).toHaveLength(ASFF_LIMITS.description);
    expect(finding?.Remediation?.Recommendation?.Text).toHaveLength(ASFF_LIMITS.recommendation);
    expect(finding?.Note?.Text).toHaveLength(ASFF_LIMITS.note);
    expect(finding?.ProductFields?.['sagemaker-compliance-scanner/MutedReason']).toHaveLength(2048);
  });

  it('writes an empty array for a scan without results', () => {
    // Act
    const asff = formatAsff(report([]));

    // Assess
    expect(asff).toBe('[]\n');
  });
});
