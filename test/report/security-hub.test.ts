import {
  AccessDeniedException,
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  InvalidAccessException,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Report } from '../../src/model/report.ts';
import { findingId, toAsffFindings, workflowChanges } from '../../src/report/asff.ts';
import {
  exportToSecurityHub,
  importFindings,
  importSummaryLines,
  MAX_FINDINGS_PER_BATCH,
} from '../../src/report/security-hub.ts';
import { formatsReport } from '../fixtures/report/report.ts';
import { report, result } from '../support/report.ts';

const ACCOUNT = '111122223333';
const OTHER = '444455556666';

function findings(count: number, accountId = ACCOUNT, region = 'eu-west-1'): AwsSecurityFinding[] {
  const results = Array.from({ length: count }, (_, index) =>
    result('FAIL', `vpc-${index}`, 'missing api', {
      id: `${accountId}-${region}-${index}`,
      accountId,
      region,
    }),
  );
  return toAsffFindings(report(results));
}

function ids(batch: AwsSecurityFinding[] | undefined): string[] {
  return (batch ?? []).map((finding) => finding.Id ?? '');
}

function sent(mock: ReturnType<typeof mockClient>): AwsSecurityFinding[][] {
  return mock.commandCalls(BatchImportFindingsCommand).map((call) => call.args[0].input.Findings ?? []);
}

const allImported = (input: { Findings?: AwsSecurityFinding[] }) => ({
  SuccessCount: input.Findings?.length ?? 0,
  FailedCount: 0,
  FailedFindings: [],
});

function hub(region = 'eu-west-1') {
  const client = new SecurityHubClient({ region, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  return { client, mock: mockClient(client) };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('importFindings', () => {
  it('sends batches of at most 100 findings, in order, and counts what Security Hub imported', async () => {
    // Prepare
    const { client, mock } = hub();
    mock.on(BatchImportFindingsCommand).callsFake(allImported);
    const input = findings(250);

    // Act
    const outcome = await importFindings(input, () => client);

    // Assess
    const batches = sent(mock);
    expect(batches.map((batch) => batch.length)).toEqual([100, 100, 50]);
    expect(batches.flat().map((finding) => finding.Id)).toEqual(ids(input));
    expect(MAX_FINDINGS_PER_BATCH).toBe(100);
    expect(outcome).toEqual({ imported: 250, workflowUpdated: 0, failed: [], notEnabled: [] });
  });

  it('sends the findings Security Hub refused once more, alone, and counts them imported when they go through', async () => {
    // Prepare
    const { client, mock } = hub();
    const input = findings(3);
    const refused = input[1]?.Id as string;
    mock
      .on(BatchImportFindingsCommand)
      .resolvesOnce({
        SuccessCount: 2,
        FailedCount: 1,
        FailedFindings: [{ Id: refused, ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
      })
      .resolvesOnce({ SuccessCount: 1, FailedCount: 0, FailedFindings: [] });

    // Act
    const outcome = await importFindings(input, () => client);

    // Assess
    expect(sent(mock).map(ids)).toEqual([ids(input), [refused]]);
    expect(outcome).toEqual({ imported: 3, workflowUpdated: 0, failed: [], notEnabled: [] });
  });

  it('reports a finding refused twice as failed, with its account, region and error, and retries no more', async () => {
    // Prepare
    const { client, mock } = hub();
    const input = findings(2);
    const refused = input[0]?.Id as string;
    const failure = { Id: refused, ErrorCode: 'InvalidInput', ErrorMessage: 'Finding too large' };
    mock
      .on(BatchImportFindingsCommand)
      .resolvesOnce({ SuccessCount: 1, FailedCount: 1, FailedFindings: [failure] })
      .resolvesOnce({ SuccessCount: 0, FailedCount: 1, FailedFindings: [failure] });

    // Act
    const outcome = await importFindings(input, () => client);

    // Assess
    expect(mock.commandCalls(BatchImportFindingsCommand)).toHaveLength(2);
    expect(outcome).toEqual({
      imported: 1,
      workflowUpdated: 0,
      failed: [
        {
          accountId: ACCOUNT,
          region: 'eu-west-1',
          findingId: refused,
          code: 'InvalidInput',
          message: 'Finding too large',
        },
      ],
      notEnabled: [],
    });
    expect(importSummaryLines(outcome)).toEqual([
      'Security Hub: 1 findings imported.',
      `ERROR Security Hub: 1 findings not imported into account ${ACCOUNT}, region eu-west-1: InvalidInput: Finding too large (${refused})`,
    ]);
  });

  it('imports into each account and region with that account and region’s client', async () => {
    // Prepare
    const west = hub('eu-west-1');
    const east = hub('us-east-1');
    const other = hub('eu-west-1');
    for (const { mock } of [west, east, other]) mock.on(BatchImportFindingsCommand).callsFake(allImported);
    const input = [...findings(2), ...findings(1, ACCOUNT, 'us-east-1'), ...findings(1, OTHER)];
    const clientFor = vi.fn(({ accountId, region }: { accountId: string; region: string }) =>
      accountId === OTHER ? other.client : region === 'us-east-1' ? east.client : west.client,
    );

    // Act
    const outcome = await importFindings(input, clientFor);

    // Assess
    expect(clientFor.mock.calls.map(([target]) => target)).toEqual([
      { accountId: ACCOUNT, region: 'eu-west-1' },
      { accountId: ACCOUNT, region: 'us-east-1' },
      { accountId: OTHER, region: 'eu-west-1' },
    ]);
    expect(sent(west.mock).map(ids)).toEqual([ids(input.slice(0, 2))]);
    expect(sent(east.mock).map(ids)).toEqual([ids(input.slice(2, 3))]);
    expect(sent(other.mock).map(ids)).toEqual([ids(input.slice(3))]);
    for (const batch of sent(other.mock))
      for (const finding of batch) expect(finding.AwsAccountId).toBe(OTHER);
    expect(outcome.imported).toBe(4);
  });

  it('says once that Security Hub is not enabled in a region, stops sending there, and imports elsewhere', async () => {
    // Prepare
    const west = hub('eu-west-1');
    const east = hub('us-east-1');
    west.mock.on(BatchImportFindingsCommand).rejects(
      new InvalidAccessException({
        message: 'Account 111122223333 is not subscribed to AWS Security Hub',
        $metadata: {},
      }),
    );
    east.mock.on(BatchImportFindingsCommand).callsFake(allImported);
    const input = [...findings(150), ...findings(2, ACCOUNT, 'us-east-1')];

    // Act
    const outcome = await importFindings(input, ({ region }) =>
      region === 'us-east-1' ? east.client : west.client,
    );

    // Assess
    expect(west.mock.commandCalls(BatchImportFindingsCommand)).toHaveLength(1);
    expect(outcome).toEqual({
      imported: 2,
      workflowUpdated: 0,
      failed: [],
      notEnabled: [
        {
          accountId: ACCOUNT,
          region: 'eu-west-1',
          findings: 150,
          message: 'Account 111122223333 is not subscribed to AWS Security Hub',
        },
      ],
    });
    expect(importSummaryLines(outcome)).toEqual([
      'Security Hub: 2 findings imported.',
      "Security Hub is not enabled in account 111122223333, region eu-west-1: 150 findings not imported (the scan's results are unaffected). Enable it, or leave --security-hub off there. (Account 111122223333 is not subscribed to AWS Security Hub)",
    ]);
  });

  it('fails a batch whose call is refused, and still sends the next batch', async () => {
    // Prepare
    const { client, mock } = hub();
    mock
      .on(BatchImportFindingsCommand)
      .rejectsOnce(new AccessDeniedException({ message: 'not authorized', $metadata: {} }))
      .callsFake(allImported);
    const input = findings(101);

    // Act
    const outcome = await importFindings(input, () => client);

    // Assess
    expect(sent(mock).map((batch) => batch.length)).toEqual([100, 1]);
    expect(outcome.imported).toBe(1);
    expect(outcome.failed).toHaveLength(100);
    expect(outcome.failed[0]).toEqual({
      accountId: ACCOUNT,
      region: 'eu-west-1',
      findingId: input[0]?.Id,
      code: 'AccessDeniedException',
      message: 'not authorized',
    });
    expect(importSummaryLines(outcome)[1]).toMatch(
      /^ERROR Security Hub: 100 findings not imported into account 111122223333, region eu-west-1: AccessDeniedException: not authorized \(.+, .+, .+, .+, .+ and 95 more\)$/,
    );
  });

  it.each([
    ['an empty answer', {}],
    ['counts that do not add up to the batch', { SuccessCount: 1, FailedCount: 0, FailedFindings: [] }],
    ['a failed count without the failed findings', { SuccessCount: 1, FailedCount: 1 }],
  ])('never takes %s for an import', async (_case, answer) => {
    // Prepare
    const { client, mock } = hub();
    mock.on(BatchImportFindingsCommand).resolves(answer);
    const input = findings(2);

    // Act
    const outcome = await importFindings(input, () => client);

    // Assess
    expect(outcome.imported).toBe(0);
    expect(outcome.failed.map((failure) => [failure.findingId, failure.code])).toEqual(
      ids(input).map((id) => [id, 'MalformedResponse']),
    );
  });

  it('re-imports a previous problem whose resource is gone as an archived finding', async () => {
    // Prepare
    const { client, mock } = hub();
    mock.on(BatchImportFindingsCommand).callsFake(allImported);

    // Act
    await importFindings(toAsffFindings(formatsReport(), { homeRegion: 'eu-west-1' }), () => client);

    // Assess
    const archived = sent(mock)
      .flat()
      .filter((finding) => finding.RecordState === 'ARCHIVED');
    expect(archived.map((finding) => [finding.Resources?.[0]?.Id, finding.ProductArn])).toEqual([
      ['vpce-0deleted00000000', 'arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default'],
    ]);
  });
});

const MUTED = { reason: 'sandbox', expires: '2026-06-30', entry: 0 } as const;
const BASELINE = { scanId: 'scan-0', startedAt: '2026-02-28T02:00:00.000Z', source: 's3://b/latest.json' };
const PRODUCT = `arn:aws:securityhub:eu-west-1:${ACCOUNT}:product/${ACCOUNT}/default`;

/** Tonight's results against a baseline: each mute state before and now, for each status. */
function muteChangesReport(baseline: Report['baseline']) {
  const was = {
    change: 'persisting' as const,
    previousStatus: 'FAIL' as const,
    previouslyMuted: true as const,
  };
  return report(
    [
      result('FAIL', 'vpc-still-muted', 'x', { muted: MUTED, delta: was }),
      result('FAIL', 'vpc-unmuted', 'x', { delta: was }),
      result('ERROR', 'vpc-unmuted-error', 'x', { delta: was }),
      result('PASS', 'vpc-unmuted-pass', 'x', {
        delta: { change: 'resolved', previousStatus: 'FAIL', previouslyMuted: true },
      }),
      result('FAIL', 'vpc-muted-tonight', 'x', {
        muted: MUTED,
        delta: { change: 'persisting', previousStatus: 'FAIL' },
      }),
      result('FAIL', 'vpc-never-muted', 'x', { delta: { change: 'persisting', previousStatus: 'FAIL' } }),
    ],
    { baseline },
  );
}

const change = (resourceId: string, status: string) => ({
  Id: findingId(`${resourceId}-id`),
  ProductArn: PRODUCT,
  AwsAccountId: ACCOUNT,
  status,
});

describe('workflowChanges', () => {
  it('changes the workflow of each finding whose mute state changed since the baseline, and of no other', () => {
    // Act
    const changes = workflowChanges(muteChangesReport(BASELINE));

    // Assess
    expect(changes).toEqual([
      change('vpc-unmuted', 'NEW'),
      change('vpc-unmuted-error', 'NEW'),
      change('vpc-unmuted-pass', 'RESOLVED'),
      change('vpc-muted-tonight', 'SUPPRESSED'),
    ]);
  });

  it.each([
    ['no baseline', undefined],
    ['an unreadable baseline', { error: 'cannot read s3://b/latest.json' }],
  ])('with %s, suppresses every muted finding again and touches no other', (_case, baseline) => {
    // Act
    const changes = workflowChanges(muteChangesReport(baseline));

    // Assess
    expect(changes).toEqual([
      change('vpc-still-muted', 'SUPPRESSED'),
      change('vpc-muted-tonight', 'SUPPRESSED'),
    ]);
  });
});

describe('importFindings with workflow changes', () => {
  it('imports first, then sets each status with BatchUpdateFindings and a note, in batches of at most 100', async () => {
    // Prepare
    const { client, mock } = hub();
    const order: string[] = [];
    mock.on(BatchImportFindingsCommand).callsFake((input) => {
      order.push('import');
      return allImported(input);
    });
    mock.on(BatchUpdateFindingsCommand).callsFake((input) => {
      order.push(`update ${input.Workflow.Status}`);
      return { ProcessedFindings: input.FindingIdentifiers, UnprocessedFindings: [] };
    });
    const unmuted = Array.from({ length: 150 }, (_, index) => change(`vpc-${index}`, 'NEW'));
    const changes = [...unmuted, change('vpc-muted', 'SUPPRESSED')];

    // Act
    const outcome = await importFindings(findings(1), () => client, changes as never);

    // Assess
    expect(order).toEqual(['import', 'update NEW', 'update NEW', 'update SUPPRESSED']);
    const updates = mock.commandCalls(BatchUpdateFindingsCommand).map((call) => call.args[0].input);
    expect(updates.map((input) => input.FindingIdentifiers?.length)).toEqual([100, 50, 1]);
    expect(updates[2]).toEqual({
      FindingIdentifiers: [{ Id: findingId('vpc-muted-id'), ProductArn: PRODUCT }],
      Workflow: { Status: 'SUPPRESSED' },
      Note: {
        Text: 'sagemaker-compliance-scanner: an accepted exception covers this finding (reason and expiry in its ProductFields).',
        UpdatedBy: 'sagemaker-compliance-scanner',
      },
    });
    expect(updates[0]?.Note?.Text).toBe(
      'sagemaker-compliance-scanner: the accepted exception no longer applies, so this finding is active again.',
    );
    expect(outcome).toMatchObject({ imported: 1, workflowUpdated: 151, failed: [] });
  });

  it('reports each finding Security Hub did not update, or whose update call failed, as failed', async () => {
    // Prepare
    const { client, mock } = hub();
    mock.on(BatchImportFindingsCommand).callsFake(allImported);
    mock
      .on(BatchUpdateFindingsCommand, { Workflow: { Status: 'NEW' } })
      .resolves({
        ProcessedFindings: [{ Id: findingId('vpc-1-id'), ProductArn: PRODUCT }],
        UnprocessedFindings: [
          {
            FindingIdentifier: { Id: findingId('vpc-2-id'), ProductArn: PRODUCT },
            ErrorCode: 'FindingNotFound',
            ErrorMessage: 'Finding Not Found',
          },
        ],
      })
      .on(BatchUpdateFindingsCommand, { Workflow: { Status: 'RESOLVED' } })
      .rejects(new AccessDeniedException({ message: 'not allowed', $metadata: {} }));
    const changes = [change('vpc-1', 'NEW'), change('vpc-2', 'NEW'), change('vpc-3', 'RESOLVED')];

    // Act
    const outcome = await importFindings(findings(1), () => client, changes as never);

    // Assess
    expect(outcome.workflowUpdated).toBe(1);
    expect(outcome.failed).toEqual([
      {
        accountId: ACCOUNT,
        region: 'eu-west-1',
        findingId: findingId('vpc-2-id'),
        code: 'FindingNotFound',
        message: 'Finding Not Found',
        operation: 'BatchUpdateFindings',
      },
      {
        accountId: ACCOUNT,
        region: 'eu-west-1',
        findingId: findingId('vpc-3-id'),
        code: 'AccessDeniedException',
        message: 'not allowed',
        operation: 'BatchUpdateFindings',
      },
    ]);
    expect(importSummaryLines(outcome)).toEqual([
      'Security Hub: 1 findings imported, 1 with their workflow status changed (accepted exceptions that began or ended).',
      `ERROR Security Hub: 1 findings imported without their workflow status into account ${ACCOUNT}, region eu-west-1: FindingNotFound: Finding Not Found (${findingId('vpc-2-id')})`,
      `ERROR Security Hub: 1 findings imported without their workflow status into account ${ACCOUNT}, region eu-west-1: AccessDeniedException: not allowed (${findingId('vpc-3-id')})`,
    ]);
  });

  it('fails the whole batch when the answer does not account for every finding', async () => {
    // Prepare
    const { client, mock } = hub();
    mock.on(BatchImportFindingsCommand).callsFake(allImported);
    mock.on(BatchUpdateFindingsCommand).resolves({});

    // Act
    const outcome = await importFindings(findings(1), () => client, [change('vpc-1', 'NEW')] as never);

    // Assess
    expect(outcome.workflowUpdated).toBe(0);
    expect(outcome.failed.map((failure) => [failure.findingId, failure.code])).toEqual([
      [findingId('vpc-1-id'), 'MalformedResponse'],
    ]);
  });

  it('changes no workflow where Security Hub is not enabled', async () => {
    // Prepare
    const { client, mock } = hub();
    mock
      .on(BatchImportFindingsCommand)
      .rejects(new InvalidAccessException({ message: 'not subscribed', $metadata: {} }));

    // Act
    const outcome = await importFindings(findings(1), () => client, [change('vpc-1', 'NEW')] as never);

    // Assess
    expect(mock.commandCalls(BatchUpdateFindingsCommand)).toEqual([]);
    expect(outcome.failed).toEqual([]);
  });
});

describe('exportToSecurityHub', () => {
  it('puts a finding back to NEW when its accepted exception ended, which a re-import alone cannot do', async () => {
    // Prepare
    const mock = mockClient(SecurityHubClient);
    mock.on(BatchImportFindingsCommand).callsFake(allImported);
    mock.on(BatchUpdateFindingsCommand).callsFake((input) => ({
      ProcessedFindings: input.FindingIdentifiers,
      UnprocessedFindings: [],
    }));
    const config = { clientConfig: { credentials: { accessKeyId: 'a', secretAccessKey: 'b' } } };

    // Act
    const exported = await exportToSecurityHub(muteChangesReport(BASELINE), config);

    // Assess
    expect(exported.ok).toBe(true);
    const updates = mock.commandCalls(BatchUpdateFindingsCommand).map((call) => call.args[0].input);
    expect(
      updates.map((input) => [input.Workflow?.Status, input.FindingIdentifiers?.map((id) => id.Id)]),
    ).toEqual([
      ['NEW', [findingId('vpc-unmuted-id'), findingId('vpc-unmuted-error-id')]],
      ['RESOLVED', [findingId('vpc-unmuted-pass-id')]],
      ['SUPPRESSED', [findingId('vpc-muted-tonight-id')]],
    ]);
    mock.restore();
  });

  it('is not ok when a finding could not be imported, and ok when Security Hub is only not enabled', async () => {
    // Prepare
    const mock = mockClient(SecurityHubClient);
    const input = report([result('FAIL', 'vpc-1', 'bad')]);
    mock
      .on(BatchImportFindingsCommand)
      .rejectsOnce(new AccessDeniedException({ message: 'denied', $metadata: {} }))
      .rejectsOnce(new InvalidAccessException({ message: 'not subscribed', $metadata: {} }));
    const config = { clientConfig: { credentials: { accessKeyId: 'a', secretAccessKey: 'b' } } };

    // Act
    const denied = await exportToSecurityHub(input, config);
    const notEnabled = await exportToSecurityHub(input, config);

    // Assess
    expect(denied.ok).toBe(false);
    expect(notEnabled.ok).toBe(true);
    expect(notEnabled.lines[1]).toMatch(
      /^Security Hub is not enabled in account 111122223333, region eu-west-1: 1 findings/,
    );
    mock.restore();
  });
});
