import { type IAMClient, ListAccountAliasesCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';

export interface CallerAccount {
  accountId: string;
  partition: string;
}

/** The account and partition of the credentials in use (`arn:<partition>:sts::<account>:...`). */
export async function whoAmI(client: STSClient): Promise<CallerAccount> {
  const identity = await client.send(new GetCallerIdentityCommand({}));
  const partition = identity.Arn?.split(':')[1];
  if (!identity.Account || !partition) {
    throw new Error(`GetCallerIdentity returned no account or ARN (${JSON.stringify(identity)})`);
  }
  return { accountId: identity.Account, partition };
}

/**
 * The account's alias (an account has at most one, so one call reads it), or undefined when it has
 * none. Only for people reading the report: it plays no part in any verdict.
 */
export async function accountAlias(client: IAMClient): Promise<string | undefined> {
  const answer = await client.send(new ListAccountAliasesCommand({}));
  return answer.AccountAliases?.[0];
}
