import { describe, expect, it } from 'vitest';
import { parseScanEvent } from '../../src/handlers/event.ts';
import { UserInputError } from '../../src/model/errors.ts';

/** What EventBridge delivers for a scheduled rule (from the EventBridge user guide). */
const SCHEDULED_EVENT = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2025-03-04T02:00:00Z',
  region: 'eu-west-1',
  resources: ['arn:aws:events:eu-west-1:123456789012:rule/nightly-sagemaker-scan'],
  detail: {},
};

describe('parseScanEvent', () => {
  it('reads an EventBridge scheduled event as a full scan with the deployed configuration', () => {
    // Act
    const request = parseScanEvent(SCHEDULED_EVENT);

    // Assess
    expect(request).toEqual({ trigger: 'schedule', dryRun: false });
  });

  it('reads a manual or Scheduler payload with every option, normalising CIDRs', () => {
    // Prepare
    const payload = {
      regions: ['eu-west-1', 'us-east-1'],
      rules: ['vpc-sagemaker-endpoints'],
      allowedSourceCidrs: ['203.0.113.0/24', '2001:DB8::1'],
      skipDefaultVpcs: true,
      dryRun: true,
      notify: 'always',
    };

    // Act
    const request = parseScanEvent(payload);

    // Assess
    expect(request).toEqual({
      trigger: 'manual',
      regions: ['eu-west-1', 'us-east-1'],
      rules: ['vpc-sagemaker-endpoints'],
      allowedSourceCidrs: ['203.0.113.0/24', '2001:db8::1/128'],
      skipDefaultVpcs: true,
      dryRun: true,
      notify: 'always',
    });
  });

  it.each([{}, null, undefined])(
    'reads an empty payload (%s) as a manual scan with the deployed configuration',
    (event) => {
      // Act
      const request = parseScanEvent(event);

      // Assess
      expect(request).toMatchObject({
        trigger: 'manual',
        dryRun: false,
        regions: undefined,
        rules: undefined,
      });
    },
  );

  it('accepts "all" as the regions', () => {
    // Act
    const request = parseScanEvent({ regions: 'all' });

    // Assess
    expect(request.regions).toBe('all');
  });

  it.each([
    [
      'an unknown field',
      { region: 'eu-west-1' },
      /^payload: unknown field "region" \(allowed: regions, rules/,
    ],
    ['regions as a string', { regions: 'eu-west-1' }, /^regions: expected "all" or a non-empty array/],
    [
      'a malformed region',
      { regions: ['eu-west-1', 'Ireland'] },
      /^regions: "Ireland" is not an AWS region name/,
    ],
    ['dryRun as a string', { dryRun: 'true' }, /^dryRun: expected true or false/],
    ['a number among the rules', { rules: ['vpc-sagemaker-endpoints', 7] }, /^rules\[1\]: /],
    [
      'an unknown rule id',
      { rules: ['vpc-sagemaker-endpoint'] },
      /^rules: unknown rule id "vpc-sagemaker-endpoint"/,
    ],
    [
      'a malformed CIDR',
      { allowedSourceCidrs: ['10.0.0.0/33'] },
      /^allowedSourceCidrs: "10.0.0.0\/33" is not an IPv4 or IPv6 CIDR/,
    ],
    [
      'an unknown notify mode',
      { notify: 'sometimes' },
      /^notify: expected one of "on-findings", "always", "changes", "never"/,
    ],
    ['an array', [], /^payload: expected a JSON object/],
    [
      'another EventBridge source',
      { ...SCHEDULED_EVENT, source: 'aws.ec2' },
      /^source: expected "aws.events"/,
    ],
    [
      'another detail type',
      { ...SCHEDULED_EVENT, 'detail-type': 'EC2 Instance State-change Notification' },
      /^detail-type: /,
    ],
    [
      'a scheduled event that carries dryRun',
      { ...SCHEDULED_EVENT, dryRun: true },
      /^payload: "dryRun" cannot be combined with an EventBridge scheduled event/,
    ],
    [
      'a scheduled event that carries notify and regions',
      { ...SCHEDULED_EVENT, notify: 'never', regions: ['eu-west-1'] },
      /^payload: "regions", "notify" cannot be combined with an EventBridge scheduled event/,
    ],
    [
      'a scheduled event whose detail carries dryRun',
      { ...SCHEDULED_EVENT, detail: { dryRun: true } },
      /^payload: "detail\.dryRun" cannot be combined with an EventBridge scheduled event/,
    ],
    [
      'a bare source with every option',
      {
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        rules: [],
        allowedSourceCidrs: [],
        skipDefaultVpcs: false,
        dryRun: false,
      },
      /^payload: "rules", "allowedSourceCidrs", "skipDefaultVpcs", "dryRun" cannot be combined/,
    ],
  ])('rejects %s with an error that names the field', (_name, event, message) => {
    // Act
    const parse = () => parseScanEvent(event);

    // Assess
    expect(parse).toThrow(UserInputError);
    expect(parse).toThrow(message);
  });
});
