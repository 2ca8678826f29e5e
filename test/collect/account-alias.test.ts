import { IAMServiceException } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { collectLive } from '../../src/collect/index.ts';
import {
  accessDenied,
  always,
  fastClients,
  type Responder,
  serveFromResponders,
} from '../support/aws-faults.ts';

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const CALLER = { Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:role/scanner`, UserId: 'AROASCANNER' };

async function collectWith(listAccountAliases: Responder) {
  const clients = fastClients(1);
  serveFromResponders(clients.sts(REGION), { GetCallerIdentity: always(CALLER) });
  const iam = serveFromResponders(clients.iam(REGION), { ListAccountAliases: listAccountAliases });
  const { inventory } = await collectLive({
    clients,
    regions: [REGION],
    homeRegion: REGION,
    needs: new Set(),
  });
  return { account: inventory.accounts[0], calls: iam.attempts, apiCalls: clients.counter.toJSON() };
}

describe('the account alias', () => {
  it('is read with one ListAccountAliases call and kept with the account', async () => {
    // Act
    const { account, calls, apiCalls } = await collectWith(
      always({ AccountAliases: ['ml-prod'], IsTruncated: false }),
    );

    // Assess
    expect(account).toEqual({ accountId: ACCOUNT, alias: 'ml-prod', regions: [] });
    expect(calls).toEqual([{ operation: 'ListAccountAliases', input: {} }]);
    expect(apiCalls).toEqual({ 'iam:ListAccountAliases': 1, 'sts:GetCallerIdentity': 1 });
  });

  it('is absent, and nothing else, when the account has none', async () => {
    // Act
    const { account } = await collectWith(always({ AccountAliases: [], IsTruncated: false }));

    // Assess
    expect(account).toEqual({ accountId: ACCOUNT, regions: [] });
  });

  it.each([
    [
      'denied',
      () => {
        throw accessDenied(IAMServiceException, 'AccessDenied');
      },
      'ListAccountAliases failed (AccessDenied: You are not authorized to perform this operation. (HTTP 403))',
    ],
    [
      'answered without AccountAliases',
      always({ IsTruncated: false }),
      'ListAccountAliases failed (IncompleteResponse: ListAccountAliases answered without AccountAliases',
    ],
  ])('is said to be unread when %s, and is no collection error', async (_case, responder, why) => {
    // Act
    const { account } = await collectWith(responder as Responder);

    // Assess
    expect(account?.aliasUnread?.startsWith(why)).toBe(true);
    expect(account).not.toHaveProperty('alias');
    expect(account).not.toHaveProperty('collectionErrors');
  });
});
