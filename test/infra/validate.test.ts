import { describe, expect, it } from 'vitest';
import {
  emailProblem,
  environmentProblem,
  LAMBDA_ENVIRONMENT_LIMIT_BYTES,
  scheduleProblem,
  timeZoneProblem,
  UNRESOLVED_VALUE_BYTES,
} from '../../infra/validate.ts';

describe('schedule expressions, as EventBridge Scheduler reads them', () => {
  it.each([
    'cron(0 2 * * ? *)',
    'cron(30 1 ? * MON-FRI *)',
    'cron(0/15 8-17 ? * 2-6 2026-2030)',
    'cron(0 9 L * ? *)',
    'cron(0 9 15W * ? *)',
    'cron(0 9 ? * 6L *)',
    'cron(0 9 ? * 2#1 *)',
    'cron(0,30 0 1,15 JAN,jul ? *)',
    'rate(1 day)',
    'rate(12 hours)',
    'rate(5 minutes)',
    'at(2026-12-24T23:00:00)',
  ])('accepts %s', (expression) => {
    // Act
    const problem = scheduleProblem(expression);

    // Assess
    expect(problem).toBeUndefined();
  });

  it.each([
    ['cron(0 2 * * *)', /has 6 fields .* got 5/],
    ['cron(0 2 * * * *)', /exactly one of day-of-month and day-of-week must be "\?"/],
    ['cron(0 2 ? * ? *)', /exactly one of day-of-month and day-of-week must be "\?"/],
    ['cron(60 2 * * ? *)', /minutes "60" is not a value from 0 to 59/],
    ['cron(0 24 * * ? *)', /hours "24"/],
    ['cron(0 2 32 * ? *)', /day-of-month "32"/],
    ['cron(0 2 ? 13 MON *)', /month "13"/],
    ['cron(0 2 ? * 8 *)', /day-of-week "8"/],
    ['cron(0 2 ? * MON 1969)', /year "1969"/],
    ['cron(0/0 2 * * ? *)', /minutes "0\/0"/],
    ['cron(0 2 ? * 2#6 *)', /day-of-week "2#6"/],
    ['cron(0 2 ? JUNE * *)', /month "JUNE"/],
    ['rate(0 minutes)', /positive value/],
    ['rate(1 days)', /must be singular/],
    ['rate(5 hour)', /must be plural/],
    ['rate(1 week)', /unit minute\(s\), hour\(s\) or day\(s\)/],
    ['at(2027-02-30T02:00:00)', /on a real date, got "2027-02-30T02:00:00"/],
    ['at(2026-12-24 23:00:00)', /at\(yyyy-mm-ddThh:mm:ss\)/],
    ['0 2 * * ? *', /expected cron\(…\), rate\(…\) or at\(…\)/],
  ])('refuses %s, saying why', (expression, message) => {
    // Act
    const problem = scheduleProblem(expression);

    // Assess
    expect(problem).toMatch(message);
  });
});

describe('time zones and email addresses', () => {
  it.each([
    ['UTC', undefined],
    ['Europe/Paris', undefined],
    ['Europe/Pariss', '"Europe/Pariss" is not an IANA time zone such as Europe/Paris'],
    ['CEST+2', '"CEST+2" is not an IANA time zone such as Europe/Paris'],
  ])('time zone %s', (zone, expected) => {
    // Act
    const problem = timeZoneProblem(zone);

    // Assess
    expect(problem).toBe(expected);
  });

  it.each([
    ['secops@example.com', undefined],
    ['secops', '"secops" is not an email address'],
    ['a@b', '"a@b" is not an email address'],
    ['a b@example.com', '"a b@example.com" is not an email address'],
  ])('email %s', (address, expected) => {
    // Act
    const problem = emailProblem(address);

    // Assess
    expect(problem).toBe(expected);
  });
});

describe('the function environment against Lambda\u2019s 4 KB', () => {
  const known = () => false;

  it('accepts exactly 4096 bytes of keys and values', () => {
    // Prepare
    const variables = { KEY: 'x'.repeat(LAMBDA_ENVIRONMENT_LIMIT_BYTES - 3) };

    // Act
    const problem = environmentProblem(variables, known);

    // Assess
    expect(problem).toBeUndefined();
  });

  it('refuses one byte more, naming the largest variable', () => {
    // Prepare
    const variables = { SMALL: 'on', ALLOWED_SOURCE_CIDRS: 'x'.repeat(LAMBDA_ENVIRONMENT_LIMIT_BYTES - 26) };

    // Act
    const problem = environmentProblem(variables, known);

    // Assess
    expect(problem).toBe(
      "the function's environment takes up to 4097 bytes, over Lambda's 4096; ALLOWED_SOURCE_CIDRS alone takes 4090",
    );
  });

  it('counts multi-byte characters in bytes and deploy-time values at their longest', () => {
    // Prepare
    const variables = { A: '\u00e9'.repeat(2000), TOPIC: 'deploy-time topic ARN' };

    // Act
    const problem = environmentProblem(variables, (value) => value === 'deploy-time topic ARN');

    // Assess
    expect(problem).toBe(
      `the function's environment takes up to ${1 + 4000 + 5 + UNRESOLVED_VALUE_BYTES} bytes, over Lambda's 4096; A alone takes 4001`,
    );
  });
});
