import { describe, expect, it } from 'vitest';
import { propsFromContext } from '../../infra/scanner-app.ts';

const reader = (context: Record<string, unknown>) => (key: string) => context[key];

describe('deployment context', () => {
  it('splits comma lists from -c values, reads `all` regions and the suppression and history choices', () => {
    // Prepare
    const read = reader({
      alertEmails: 'a@x.com, b@y.com',
      regions: 'all',
      allowedSourceCidrs: '10.0.0.0/8,2001:db8::/32',
      approvedVpces: 'vpce-0a1b2c3d4e5f67890, vpce-1a2b3c4d',
      skipDefaultVpcs: 'true',
      reservedConcurrency: '2',
      notify: 'changes',
      suppressionsFile: ' examples/suppressions.example.json ',
      tagSuppressions: 'true',
      suppressionHorizonDays: '180',
      reportRetentionDays: '730',
    });

    // Act
    const props = propsFromContext(read);

    // Assess
    expect(props).toMatchObject({
      alertEmails: ['a@x.com', 'b@y.com'],
      regions: 'all',
      allowedSourceCidrs: ['10.0.0.0/8', '2001:db8::/32'],
      approvedVpces: ['vpce-0a1b2c3d4e5f67890', 'vpce-1a2b3c4d'],
      skipDefaultVpcs: true,
      reservedConcurrency: 2,
      notify: 'changes',
      suppressionsFile: 'examples/suppressions.example.json',
      tagSuppressions: true,
      suppressionHorizonDays: 180,
      reportRetentionDays: 730,
    });
  });

  it('reads the region concurrency `all` and the API rate share from -c values', () => {
    // Act
    const props = propsFromContext(reader({ regionConcurrency: 'all', apiRateShare: '0.25' }));

    // Assess
    expect({ regionConcurrency: props.regionConcurrency, apiRateShare: props.apiRateShare }).toEqual({
      regionConcurrency: 'all',
      apiRateShare: 0.25,
    });
  });

  it('turns the reserved concurrency off with `off`, for accounts whose quota is still 10', () => {
    // Act
    const props = propsFromContext(reader({ reservedConcurrency: 'off' }));

    // Assess
    expect(props.reservedConcurrency).toBe('off');
  });

  it('accepts JSON arrays and booleans from cdk.json', () => {
    // Prepare
    const read = reader({ regions: ['eu-west-1', 'us-east-1'], skipDefaultVpcs: false });

    // Act
    const props = propsFromContext(read);

    // Assess
    expect(props.regions).toEqual(['eu-west-1', 'us-east-1']);
    expect(props.skipDefaultVpcs).toBe(false);
  });

  it('leaves every choice to the stack defaults when nothing is given', () => {
    // Act
    const props = propsFromContext(reader({}));

    // Assess
    expect(Object.values(props).every((value) => value === undefined)).toBe(true);
  });

  it.each([
    ['alertEmails', 'secops', /alertEmails: "secops" is not an email address/],
    ['notify', 'sometimes', /notify: expected one of on-findings, always, changes, never/],
    [
      'reservedConcurrency',
      '0',
      /reservedConcurrency: expected a whole number of at least 1, or off, got "0"/,
    ],
    ['reservedConcurrency', 'none', /reservedConcurrency: expected a whole number of at least 1, or off/],
    ['apiRateShare', '1.5', /apiRateShare: expected a share above 0 and at most 1, got "1.5"/],
    ['apiRateShare', 'half', /apiRateShare: expected a share above 0 and at most 1, got "half"/],
    ['skipDefaultVpcs', 'maybe', /skipDefaultVpcs: expected true or false/],
    ['tagSuppressions', 'yes', /tagSuppressions: expected true or false/],
    ['reportRetentionDays', '1y', /reportRetentionDays: expected a whole number of at least 1/],
    ['suppressionHorizonDays', '-5', /suppressionHorizonDays: expected a whole number of at least 1/],
  ])('names the key when %s is %s', (key, value, message) => {
    // Prepare
    const read = reader({ [key]: value });

    // Act
    const parse = () => propsFromContext(read);

    // Assess
    expect(parse).toThrow(message);
  });
});
