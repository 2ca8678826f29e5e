import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../src/model/inventory.ts';
import type { Report } from '../../src/model/report.ts';
import { MOTO_ACCOUNT_ID, type Moto, motoAvailable, runCliAgainst, startMoto } from './moto.ts';
import {
  APPROVED,
  buildOrganization,
  MEMBER_ROLE,
  REGION,
  RULE,
  startStsProxy,
  type World,
} from './organization-world.ts';

const motoHere = motoAvailable();

describe.skipIf(!motoHere)('scan --organization against moto', () => {
  let moto: Moto;
  let proxy: Awaited<ReturnType<typeof startStsProxy>>;
  let world: World;
  const cli = (args: string[]) =>
    runCliAgainst({ ...moto, env: { ...moto.env, AWS_ENDPOINT_URL_STS: proxy.endpoint } }, REGION, [
      ...args,
      '--role-name',
      MEMBER_ROLE,
      '--rules',
      RULE,
      ...(args[0] === 'scan' ? ['--allowed-cidrs', APPROVED] : []),
    ]);
  const byAccount = (report: Report) =>
    Object.fromEntries(
      report.results.map((result) => [result.accountId, `${result.ruleId} ${result.status}`]),
    );

  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startStsProxy(moto);
    world = await buildOrganization(moto);
  });

  afterAll(async () => {
    await proxy?.close();
    await moto?.stop();
  });

  it('judges every ACTIVE account with its SCPs, and gives the account without the member role one ERROR', async () => {
    // Act
    const run = await cli(['scan', '--organization', '--format', 'json']);

    // Assess
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    const { accounts } = world;
    expect(report.scope.accounts).toEqual([MOTO_ACCOUNT_ID, ...Object.values(world.accounts).sort()].sort());
    expect(byAccount(report)).toEqual({
      [MOTO_ACCOUNT_ID]: `${RULE} FAIL`,
      [accounts.prodA]: `${RULE} PASS`,
      [accounts.prodB]: `${RULE} PASS`,
      [accounts.allowList]: `${RULE} PASS`,
      [accounts.noRole]: 'account-access ERROR',
      [accounts.open]: `${RULE} FAIL`,
    });
    const of = (accountId: string) => report.results.find((result) => result.accountId === accountId);
    expect(of(accounts.noRole)?.message).toBe(
      `Could not scan account ${accounts.noRole}: could not assume role arn:aws:iam::${accounts.noRole}:role/${MEMBER_ROLE} (sts:AssumeRole): User: arn:aws:iam::${MOTO_ACCOUNT_ID}:user/moto is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${accounts.noRole}:role/${MEMBER_ROLE} (HTTP 403) (AccessDenied); no rule judged it.`,
    );
    expect(of(accounts.prodA)?.message).toContain(
      `only from ${APPROVED} (the service control policies refuse it from elsewhere: policy deny-presign-outside-approved (service control policy at OU ${world.prodOu})`,
    );
    expect(of(accounts.allowList)?.message).toBe(
      `User data-scientist can create presigned notebook URLs from no address (the service control policies refuse it: no service control policy at account ${accounts.allowList} allows it).`,
    );
    expect(of(MOTO_ACCOUNT_ID)?.evidence.serviceControlPolicies).toEqual({
      considered: [],
      note: 'SCPs do not apply to the management account',
    });
    expect(of(accounts.open)?.evidence.scpsEvaluated).toBe(true);
    expect(report.stats.apiCalls['organizations:DescribePolicy']).toBe(3);
  });

  it('re-judges the evidence file of the Organization offline with the same verdicts', async () => {
    // Act
    const live = await cli(['scan', '--organization', '--format', 'json']);
    const snapshot = await cli(['snapshot', '--organization']);
    const directory = await mkdtemp(join(tmpdir(), 'organization-'));
    const path = join(directory, 'evidence.json');
    await writeFile(path, snapshot.stdout);
    const offline = await runCliAgainst(moto, REGION, [
      'scan',
      '--input',
      path,
      '--rules',
      RULE,
      '--allowed-cidrs',
      APPROVED,
      '--format',
      'json',
    ]);

    // Assess
    expect(snapshot.code).toBe(0);
    const inventory = JSON.parse(snapshot.stdout) as Inventory;
    expect(inventory.accounts).toHaveLength(6);
    expect(offline.code).toBe(1);
    expect(byAccount(JSON.parse(offline.stdout) as Report)).toEqual(
      byAccount(JSON.parse(live.stdout) as Report),
    );
    await rm(directory, { recursive: true });
  });

  it('scans only the accounts under --ous, which pass', async () => {
    // Act
    const run = await cli(['scan', '--organization', '--ous', world.prodOu, '--format', 'json']);

    // Assess
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.scope.accounts).toEqual([world.accounts.prodA, world.accounts.prodB].sort());
  });

  it('leaves out --exclude-accounts, and scans --accounts through the same role', async () => {
    // Act
    const excluded = await cli([
      'scan',
      '--organization',
      '--exclude-accounts',
      world.accounts.noRole,
      '--format',
      'json',
    ]);
    const listed = await cli([
      'scan',
      '--accounts',
      `${world.accounts.open},${world.accounts.prodA}`,
      '--format',
      'json',
    ]);

    // Assess
    expect((JSON.parse(excluded.stdout) as Report).scope.accounts).not.toContain(world.accounts.noRole);
    expect(byAccount(JSON.parse(listed.stdout) as Report)).toEqual({
      [world.accounts.open]: `${RULE} FAIL`,
      [world.accounts.prodA]: `${RULE} PASS`,
    });
  });
});
