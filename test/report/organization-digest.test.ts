import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PERSISTING_LINE_LIMIT } from '../../src/report/email.ts';
import {
  buildDigest,
  type DigestAccountSummary,
  formatDigestEmail,
  summarizeAccount,
} from '../../src/report/organization-digest.ts';
import { buildDigestNotifications } from '../../src/report/organization-sns.ts';
import {
  BUCKET,
  GENERATED_AT,
  MANAGEMENT,
  mutedAccount,
  newFindingsAccount,
  organizationNight,
  RUN_ID,
  unreadableAccount,
} from '../fixtures/organization/digest.ts';

const golden = new URL('../fixtures/organization/digest-email.golden.txt', import.meta.url);
const TOPIC = `arn:aws:sns:eu-west-1:${MANAGEMENT}:sagemaker-findings`;

function night() {
  return buildDigest({
    runId: RUN_ID,
    generatedAt: GENERATED_AT,
    managementAccountId: MANAGEMENT,
    accounts: organizationNight(),
    storedAt: `s3://${BUCKET}/reports/organization/2026/03/01/${RUN_ID}.json`,
  });
}

/** An account of the night, standing in for the management account. */
function asManagement(summary: DigestAccountSummary | undefined): DigestAccountSummary {
  const { account, errored } = summary as DigestAccountSummary;
  return {
    ...(summary as DigestAccountSummary),
    account: { ...account, accountId: MANAGEMENT },
    ...(errored ? { errored: { ...errored, accountId: MANAGEMENT } } : {}),
  };
}

describe('Organization digest', () => {
  it('renders the email exactly as its golden file shows, every line under 200 characters', async () => {
    // Act
    const email = formatDigestEmail(night());

    // Assess
    if (process.env.UPDATE_GOLDEN === '1') await writeFile(golden, email, 'utf8');
    expect(email).toBe(await readFile(golden, 'utf8'));
    for (const line of email.split('\n')) expect(line.length).toBeLessThan(PERSISTING_LINE_LIMIT);
  });

  it('lists accounts with new or regressed findings first, most new first, then the errored accounts, then the totals', () => {
    // Act
    const email = formatDigestEmail(night());

    // Assess
    const at = (text: string) => email.indexOf(text);
    expect(at('222222222222 (prod-b): 12 new or regressed')).toBeGreaterThan(0);
    expect(at('222222222222 (prod-b)')).toBeLessThan(at('111111111111 (prod-a): 2 new or regressed'));
    expect(at('111111111111 (prod-a): 2 new')).toBeLessThan(at('ACCOUNTS NOT FULLY SCANNED (4'));
    expect(at('ACCOUNTS NOT FULLY SCANNED')).toBeLessThan(at('TOTALS PER ACCOUNT'));
    expect(at('TOTALS PER ACCOUNT')).toBeLessThan(at('TOTALS PER RULE'));
  });

  it('lists at most ten findings of an account, each with its resource name and fix, then how many more and where', () => {
    // Act
    const email = formatDigestEmail(night());

    // Assess
    expect(email.match(/vpc-0b00000000000\d{4}/g)).toHaveLength(10);
    expect(email).toContain(
      "  and 2 more in the account's report: s3://sagemaker-compliance-reports/reports/222222222222/2026/03/01/6f1d2c3b-0000-4000-8000-000000022222.json",
    );
    expect(email).toContain(
      '    global  arn:aws:iam::111111111111:role/notebook-admin  Role notebook-admin can create presigned notebook URLs from any address. (regressed: passed in the previous scan)',
    );
    expect(email).toContain(
      '  [HIGH] IAM users and roles can create presigned notebook URLs only from approved source IPs (iam-principal-presigned-url-source-ip)',
    );
    expect(email).toContain(
      '    Fix: Add a Deny on sagemaker:CreatePresignedNotebookInstanceUrl with NotIpAddress aws:SourceIp [203.0.113.0/24] to role notebook-admin.',
    );
  });

  it('names each account not fully scanned with why: Map item failed, no result, unreadable role, incomplete scan', () => {
    // Act
    const digest = night();

    // Assess
    expect(digest.errored).toEqual([
      {
        accountId: '444444444444',
        accountName: 'sandbox-no-role',
        reason:
          'Could not scan account 444444444444: could not assume role arn:aws:iam::444444444444:role/SageMakerComplianceMember (sts:AssumeRole): AccessDenied (HTTP 403) (AccessDenied); no rule judged it.',
      },
      {
        accountId: '555555555555',
        accountName: 'analytics',
        reason:
          'the scan is incomplete: it stopped before the Lambda deadline, and what it did not reach is ERROR in its report',
      },
      {
        accountId: '666666666666',
        accountName: 'data-lake',
        reason: 'its scan failed (Map item FAILED: States.Timeout: the task timed out)',
      },
      { accountId: MANAGEMENT, accountName: 'management', reason: 'the Map Run has no result for it' },
    ]);
    expect(digest.managementAccount).toEqual({ accountId: MANAGEMENT, covered: 'errored' });
    expect(digest.totals).toEqual({
      accounts: 8,
      accountsFailing: 3,
      accountsErrored: 4,
      pass: 3,
      fail: 16,
      error: 2,
      muted: 0,
      newOrRegressed: 14,
    });
  });

  it('gives an account whose member role STS denied a status of its own, apart from a scanned account with ERROR results', () => {
    // Act
    const { accounts } = night();

    // Assess
    expect(accounts.map((account) => [account.accountId, account.status])).toEqual([
      ['111111111111', 'failing'],
      ['222222222222', 'failing'],
      ['333333333333', 'clean'],
      ['444444444444', 'role not assumed'],
      ['555555555555', 'incomplete'],
      ['666666666666', 'not scanned'],
      ['777777777777', 'ERROR results'],
      [MANAGEMENT, 'not scanned'],
    ]);
  });

  it('counts an account whose member role could not be assumed for another reason than a denial as not scanned', () => {
    // Act
    const throttled = unreadableAccount('444444444444', 'sandbox-no-role', 'Throttling', 'Rate exceeded');
    const denied = unreadableAccount('444444444444', 'sandbox-no-role');

    // Assess
    expect(throttled.account.status).toBe('not scanned');
    expect(throttled.errored?.reason).toBe(
      'Could not scan account 444444444444: could not assume role arn:aws:iam::444444444444:role/SageMakerComplianceMember (sts:AssumeRole): Rate exceeded (Throttling); no rule judged it.',
    );
    expect(denied.account.status).toBe('role not assumed');
  });

  it('says under the totals per account what each status present asks of the reader', () => {
    // Act
    const email = formatDigestEmail(night());

    // Assess
    const table = email.slice(email.indexOf('TOTALS PER ACCOUNT'), email.indexOf('TOTALS PER RULE'));
    expect(table).toContain(
      '  444444444444 (sandbox-no-role)               0     0     1     0     0  role not assumed\n',
    );
    expect(table).toContain(
      '  777777777777 (ml-dev)                        1     0     1     0     0  ERROR results\n',
    );
    expect(table).toContain(
      [
        '',
        '  ERROR results: scanned, but some checks could not be made: read the ERROR results in its report',
        '  role not assumed: not judged: STS denied the member role (missing, or not trusting the scanner): fix its deployment',
        '  not scanned: not judged: no readable report, for the reason named above',
        '  incomplete: the scan stopped early: what it did not reach is ERROR in its report',
        '',
      ].join('\n'),
    );
  });

  it.each([
    [
      'STS denied its member role',
      () => unreadableAccount(MANAGEMENT, 'management'),
      'Management account 999988887777: NOT scanned: STS denied its member role (see below). A service-managed StackSet does not deploy to the management account: create the member role there with a plain stack, or fix its trust policy if it exists.',
    ],
    [
      'its role could not be assumed for another reason',
      () => unreadableAccount(MANAGEMENT, 'management', 'Throttling', 'Rate exceeded'),
      'Management account 999988887777: NOT scanned: Could not scan account 999988887777: could not assume role arn:aws:iam::999988887777:role/SageMakerComplianceMember (sts:AssumeRole): Rate exceeded (Throttling); no rule judged it.',
    ],
    [
      'the Map Run has no result for it',
      () =>
        summarizeAccount({
          accountId: MANAGEMENT,
          accountName: 'management',
          failure: 'the Map Run has no result for it',
        }),
      'Management account 999988887777: NOT scanned: the Map Run has no result for it.',
    ],
    [
      'its scan stopped early',
      () => asManagement(organizationNight()[4]),
      'Management account 999988887777: NOT fully scanned: the scan is incomplete: it stopped before the Lambda deadline, and what it did not reach is ERROR in its report.',
    ],
    [
      'it was scanned',
      () => asManagement(organizationNight()[2]),
      'Management account 999988887777: scanned (SCPs never apply to it).',
    ],
  ])('states how the management account was covered when %s', (_case, management, line) => {
    // Act
    const email = formatDigestEmail(
      buildDigest({
        runId: RUN_ID,
        generatedAt: GENERATED_AT,
        managementAccountId: MANAGEMENT,
        accounts: [management()],
      }),
    );

    // Assess
    const unwrapped = email.replaceAll('\n    ', ' ').split('\n');
    expect(unwrapped.filter((text) => text.startsWith('Management account'))).toEqual([line]);
  });

  it.each([
    [1, 'muted finding still fails'],
    [2, 'muted findings still fail'],
  ])('says that %i muted problems still fail, not that every check passes', (muted, phrase) => {
    // Prepare
    const digest = buildDigest({
      runId: RUN_ID,
      generatedAt: GENERATED_AT,
      accounts: [mutedAccount('333333333333', 'sandbox', muted)],
    });

    // Act
    const [notification] = buildDigestNotifications(digest, TOPIC, { chat: true });
    const email = formatDigestEmail(digest);

    // Assess
    expect(digest.totals).toMatchObject({ pass: 1, fail: 0, error: 0, muted, accountsErrored: 0 });
    expect(digest.accounts.map((account) => account.status)).toEqual(['muted only']);
    expect(email).toContain(
      '\n  muted only: nothing fails but its muted findings, accepted exceptions that still fail until fixed\n',
    );
    expect(notification?.input.Subject).toBe(`[OK] SageMaker compliance, Organization: ${muted} ${phrase}`);
    expect(email).toContain(
      `\nNothing fails outside the accepted exceptions, but ${muted} ${phrase}: muted is not fixed (each account's report lists them).\n`,
    );
    expect(email).not.toContain('Every check passed');
    const chat = JSON.parse(JSON.parse(notification?.input.Message ?? '{}').https);
    expect(chat.content.description).toBe(
      `1 account: 0 failing in 0 accounts, 0 ERROR results, 0 new or regressed findings; ${muted} muted, still failing.`,
    );
  });

  it('counts per rule the results and the accounts failing it', () => {
    // Act
    const { rules } = night();

    // Assess
    expect(
      rules.map(({ ruleId, pass, fail, error, accountsFailing }) => [
        ruleId,
        pass,
        fail,
        error,
        accountsFailing,
      ]),
    ).toEqual([
      ['account-access', 0, 0, 1, 0],
      ['iam-principal-presigned-url-source-ip', 0, 1, 0, 1],
      ['vpc-sagemaker-endpoints', 3, 15, 1, 3],
    ]);
  });

  it('says a quiet Organization needs nothing, with the management account scanned', () => {
    // Prepare
    const [, , clean] = organizationNight();
    const management = summarizeAccount({ accountId: MANAGEMENT, accountName: 'management', failure: 'x' });

    // Act
    const digest = buildDigest({
      runId: RUN_ID,
      generatedAt: GENERATED_AT,
      managementAccountId: '000000000000',
      accounts: [clean as NonNullable<typeof clean>],
    });

    // Assess
    expect(management.errored?.reason).toBe('x');
    expect(digest.managementAccount).toEqual({ accountId: '000000000000', covered: 'not planned' });
    expect(formatDigestEmail(digest)).toContain('Every check passed in every account: no action needed.');
    expect(buildDigestNotifications(digest, TOPIC)[0]?.input.Subject).toBe(
      '[OK] SageMaker compliance, Organization: the 1 check passes in 1 account',
    );
  });
});

describe('Organization digest notifications', () => {
  it('publishes one message with the JSON, email and chat variants when it fits', () => {
    // Act
    const notifications = buildDigestNotifications(night(), TOPIC, { chat: true });

    // Assess
    expect(notifications).toHaveLength(1);
    const input = notifications[0]?.input;
    expect(input?.Subject).toBe(
      '[FAIL] SageMaker compliance, Organization: 14 new or regressed findings in 2 accounts, 16 failing',
    );
    const message = JSON.parse(input?.Message ?? '{}') as Record<string, string>;
    expect(Object.keys(message)).toEqual(['default', 'email', 'https']);
    expect(message.email).toBe(formatDigestEmail(night()));
    const machine = JSON.parse(message.default as string);
    expect(machine.changed.map((account: { accountId: string }) => account.accountId)).toEqual([
      '222222222222',
      '111111111111',
    ]);
    const chat = JSON.parse(message.https as string);
    expect(chat.content.description).toContain('*New or regressed (14)*');
    expect(chat.content.description).toContain('…and 4 more in the digest');
    expect(chat.content.description).toContain(
      '• `444444444444` (role not assumed): Could not scan account 444444444444: could not assume role',
    );
    expect(chat.content.description).toContain(
      '• `666666666666` (not scanned): its scan failed (Map item FAILED: States.Timeout: the task timed out)',
    );
  });

  it.each([
    [[1], '[FAIL] SageMaker compliance, Organization: 1 new or regressed finding in 1 account, 1 failing'],
    [
      [2, 3],
      '[FAIL] SageMaker compliance, Organization: 5 new or regressed findings in 2 accounts, 5 failing',
    ],
  ])('names the unit of the new or regressed count: findings %j', (counts, subject) => {
    // Prepare
    const accounts = counts.map((count, index) => newFindingsAccount(`11111111111${index}`, 'prod', count));

    // Act
    const [notification] = buildDigestNotifications(
      buildDigest({ runId: RUN_ID, generatedAt: GENERATED_AT, accounts }),
      TOPIC,
    );

    // Assess
    expect(notification?.input.Subject).toBe(subject);
  });

  it('leaves a count that does not fit the subject whole to the email, and keeps the part number', () => {
    // Act
    const notifications = buildDigestNotifications(night(), TOPIC, { maxBytes: 12_000 });

    // Assess
    expect(notifications.map(({ input }) => input.Subject)).toEqual(
      notifications.map(
        (_, index) =>
          `[FAIL] SageMaker compliance, Organization: 14 new or regressed findings in 2 accounts (part ${index + 1}/${notifications.length})`,
      ),
    );
  });

  it.each([
    [
      'accounts without a report and no ERROR result',
      () => [
        summarizeAccount({
          accountId: '666666666666',
          accountName: 'a',
          failure: 'the Map Run has no result for it',
        }),
        summarizeAccount({
          accountId: '666666666667',
          accountName: 'b',
          failure: 'the Map Run has no result for it',
        }),
      ],
      '[ERROR] SageMaker compliance, Organization: nothing failing, 2 accounts not fully scanned',
    ],
    [
      'an account whose member role STS denied (its ERROR result does not fit whole)',
      () => [unreadableAccount('444444444444', 'sandbox-no-role')],
      '[ERROR] SageMaker compliance, Organization: nothing failing, 1 account not fully scanned',
    ],
    [
      'a scanned account with an ERROR result',
      () => [organizationNight()[6] as DigestAccountSummary],
      '[ERROR] SageMaker compliance, Organization: nothing failing, 1 ERROR result',
    ],
    [
      'an incomplete scan with a persisting FAIL (the account not fully scanned does not fit whole)',
      () => [organizationNight()[4] as DigestAccountSummary],
      '[FAIL] SageMaker compliance, Organization: nothing new, 1 failing in 1 account',
    ],
  ])(
    'counts accounts not fully scanned apart from ERROR results in the subject: %s',
    (_case, accounts, subject) => {
      // Act
      const [notification] = buildDigestNotifications(
        buildDigest({ runId: RUN_ID, generatedAt: GENERATED_AT, accounts: accounts() }),
        TOPIC,
      );

      // Assess
      expect(notification?.input.Subject).toBe(subject);
    },
  );

  it('words the totals of the email and the chat digest with ERROR results apart from accounts not fully scanned', () => {
    // Act
    const [notification] = buildDigestNotifications(night(), TOPIC, { chat: true });

    // Assess
    const message = JSON.parse(notification?.input.Message ?? '{}') as Record<string, string>;
    expect(message.email?.split('\n').slice(1, 3)).toEqual([
      "Results: 3 passing, 16 failing in 3 accounts, 2 ERROR results (could not be checked); 14 new or regressed findings since each account's previous scan.",
      '4 accounts not fully scanned, named below: the counts above leave out what was not read in them.',
    ]);
    const chat = JSON.parse(message.https as string);
    expect(chat.content.description.split('\n')[0]).toBe(
      '8 accounts: 16 failing in 3 accounts, 2 ERROR results, 14 new or regressed findings; 4 accounts not fully scanned.',
    );
  });

  it('leaves the chat variant out when the chat setting is off', () => {
    // Act
    const [notification] = buildDigestNotifications(night(), TOPIC);

    // Assess
    expect(Object.keys(JSON.parse(notification?.input.Message ?? '{}'))).toEqual(['default', 'email']);
  });

  it('splits into numbered parts under the size limit without dropping a changed account', () => {
    // Act
    const notifications = buildDigestNotifications(night(), TOPIC, { maxBytes: 12_000 });

    // Assess
    expect(notifications.length).toBeGreaterThan(1);
    for (const { input, part } of notifications) {
      expect(Buffer.byteLength(input.Message) + Buffer.byteLength(input.Subject)).toBeLessThan(12_000);
      expect(input.Subject).toMatch(new RegExp(`\\(part ${part.number}/${notifications.length}\\)$`));
    }
    expect(notifications.flatMap(({ part }) => part.changed.map((account) => account.accountId))).toEqual([
      '222222222222',
      '111111111111',
    ]);
  });
});
