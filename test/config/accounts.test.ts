import { describe, expect, it } from 'vitest';
import { type AccountFlags, parseAccountFlags } from '../../src/config/accounts.ts';

describe('parseAccountFlags', () => {
  it('leaves the credentials’ own account when no account option is given', () => {
    // Act
    const choice = parseAccountFlags({});

    // Assess
    expect(choice).toEqual({});
  });

  it('takes --profile alone: the profile’s own account', () => {
    // Act
    const choice = parseAccountFlags({ profile: 'audit' });

    // Assess
    expect(choice).toEqual({ profile: 'audit' });
  });

  it('reads --role-arn with its external id and session name', () => {
    // Act
    const choice = parseAccountFlags({
      roleArn: 'arn:aws:iam::111122223333:role/Scanner',
      externalId: 'x-42',
      roleSessionName: 'nightly',
    });

    // Assess
    expect(choice).toEqual({
      selection: { kind: 'role', roleArn: 'arn:aws:iam::111122223333:role/Scanner' },
      externalId: 'x-42',
      roleSessionName: 'nightly',
    });
  });

  it('reads --accounts with --role-name and --account-concurrency', () => {
    // Act
    const choice = parseAccountFlags({
      accounts: '111122223333, 444455556666',
      roleName: 'Scanner',
      accountConcurrency: '3',
    });

    // Assess
    expect(choice).toEqual({
      selection: { kind: 'accounts', accountIds: ['111122223333', '444455556666'], roleName: 'Scanner' },
      accountConcurrency: 3,
    });
  });

  it('reads --organization with --ous and --exclude-accounts', () => {
    // Act
    const choice = parseAccountFlags({
      organization: true,
      roleName: 'security/Scanner',
      ous: 'ou-ab12-cd34ef56,r-ab12',
      excludeAccounts: '999988887777',
    });

    // Assess
    expect(choice).toEqual({
      selection: {
        kind: 'organization',
        roleName: 'security/Scanner',
        ous: ['ou-ab12-cd34ef56', 'r-ab12'],
        excludeAccounts: ['999988887777'],
      },
    });
  });

  it.each<[string, AccountFlags, string]>([
    [
      'two modes',
      { roleArn: 'arn:aws:iam::111122223333:role/S', organization: true, roleName: 'S' },
      '--role-arn and --organization exclude each other',
    ],
    [
      '--accounts without a role',
      { accounts: '111122223333' },
      '--accounts needs --role-name, the role to assume in each account',
    ],
    [
      '--role-name alone',
      { roleName: 'S' },
      '--role-name names the role to assume in each account of --accounts or --organization',
    ],
    [
      '--role-name with --role-arn',
      { roleArn: 'arn:aws:iam::111122223333:role/S', roleName: 'S' },
      '--role-name names the role',
    ],
    [
      '--ous without --organization',
      { accounts: '111122223333', roleName: 'S', ous: 'r-ab12' },
      '--ous selects accounts of --organization',
    ],
    [
      '--exclude-accounts alone',
      { excludeAccounts: '111122223333' },
      '--exclude-accounts selects accounts of --organization',
    ],
    [
      '--external-id alone',
      { externalId: 'x-42' },
      '--external-id applies to the roles of --role-arn, --accounts or --organization',
    ],
    [
      '--account-concurrency alone',
      { accountConcurrency: '2' },
      '--account-concurrency applies to the roles',
    ],
    [
      'a short account id',
      { accounts: '12345', roleName: 'S' },
      '--accounts: "12345" is not a 12-digit account id',
    ],
    [
      'an account twice',
      { accounts: '111122223333,111122223333', roleName: 'S' },
      '--accounts: account 111122223333 is listed twice',
    ],
    ['an empty --accounts', { accounts: ' , ', roleName: 'S' }, '--accounts: no account id given'],
    [
      'a bad OU',
      { organization: true, roleName: 'S', ous: 'ou-x' },
      '--ous: "ou-x" is not an OU id (ou-ab12-cd34ef56) or root id (r-ab12)',
    ],
    [
      'a role name with a space',
      { organization: true, roleName: 'my role' },
      '--role-name "my role": expected an IAM role name',
    ],
    [
      'a one-letter session name',
      { roleArn: 'arn:aws:iam::111122223333:role/S', roleSessionName: 'x' },
      '--role-session-name "x": expected 2 to 64',
    ],
    [
      'an external id with a space',
      { roleArn: 'arn:aws:iam::111122223333:role/S', externalId: 'a b' },
      '--external-id "a b": expected 2 to 1224',
    ],
    [
      'a zero concurrency',
      { accounts: '111122223333', roleName: 'S', accountConcurrency: '0' },
      '--account-concurrency',
    ],
    ['a profile with a space', { profile: 'my profile' }, '--profile "my profile": expected a profile name'],
  ])('refuses %s, naming the option', (_, flags, message) => {
    // Act
    const parsing = () => parseAccountFlags(flags);

    // Assess
    expect(parsing).toThrow(message);
  });
});
