import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateRoleCommand,
  CreateUserCommand,
  GetRoleCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AttachPolicyCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand,
  DetachPolicyCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { MOTO_ACCOUNT_ID, type Moto } from './moto.ts';

/** The Organization both Organization integration tests build in moto, and the STS proxy in front of it. */
export const REGION = 'us-east-1';
export const MEMBER_ROLE = 'SageMakerComplianceScanner';
export const APPROVED = '203.0.113.0/24';
export const ACTION = 'sagemaker:CreatePresignedNotebookInstanceUrl';
export const RULE = 'iam-principal-presigned-url-source-ip';
const json = (value: unknown) => JSON.stringify(value);
const document = (...Statement: object[]) => json({ Version: '2012-10-17', Statement });

/**
 * moto's AssumeRole hands out credentials for any role ARN ("the role does not need to exist",
 * moto/sts/models.py). AWS refuses a role that is not there: this loopback proxy in front of moto's
 * STS asks moto's IAM whether the role exists in its account, and if not answers as AWS does
 * (HTTP 403, AccessDenied); every other request goes to moto unchanged.
 */
export async function startStsProxy(moto: Moto): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const target = new URL(moto.endpoint);
  const sts = new STSClient(moto.clientConfig(REGION));
  const roleExists = async (roleArn: string): Promise<boolean> => {
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'probe' }));
    const credentials = assumed.Credentials;
    const iam = new IAMClient({
      ...moto.clientConfig(REGION),
      credentials: {
        accessKeyId: credentials?.AccessKeyId as string,
        secretAccessKey: credentials?.SecretAccessKey as string,
        sessionToken: credentials?.SessionToken,
      },
    });
    try {
      await iam.send(new GetRoleCommand({ RoleName: roleArn.split('/').pop() }));
      return true;
    } catch {
      return false;
    }
  };
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', async () => {
      const body = Buffer.concat(chunks);
      const params = new URLSearchParams(body.toString());
      const roleArn = params.get('RoleArn');
      if (params.get('Action') === 'AssumeRole' && roleArn && !(await roleExists(roleArn))) {
        outgoing.writeHead(403, { 'content-type': 'text/xml' });
        outgoing.end(
          `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::${MOTO_ACCOUNT_ID}:user/moto is not authorized to perform: sts:AssumeRole on resource: ${roleArn}</Message></Error><RequestId>6f1d2c3b-0000-4000-8000-000000000001</RequestId></ErrorResponse>`,
        );
        return;
      }
      const forwarded = request(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(outgoing);
        },
      );
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface World {
  prodOu: string;
  accounts: { prodA: string; prodB: string; allowList: string; noRole: string; open: string };
}

/** Credentials of `accountId` (moto keeps resources made with them in that account). */
async function clientsIn(moto: Moto, accountId: string) {
  const sts = new STSClient(moto.clientConfig(REGION));
  const assumed = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/setup`, RoleSessionName: 'setup' }),
  );
  const credentials = assumed.Credentials;
  return new IAMClient({
    ...moto.clientConfig(REGION),
    credentials: {
      accessKeyId: credentials?.AccessKeyId as string,
      secretAccessKey: credentials?.SecretAccessKey as string,
      sessionToken: credentials?.SessionToken,
    },
  });
}

/** In every account, a user that may create presigned notebook URLs from anywhere; the member role where asked. */
async function buildAccount(iam: IAMClient, withRole: boolean): Promise<void> {
  await iam.send(new CreateUserCommand({ UserName: 'data-scientist' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'data-scientist',
      PolicyName: 'open-notebooks',
      PolicyDocument: document({ Effect: 'Allow', Action: ACTION, Resource: '*' }),
    }),
  );
  if (withRole) {
    await iam.send(
      new CreateRoleCommand({
        RoleName: MEMBER_ROLE,
        AssumeRolePolicyDocument: document({
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:root` },
          Action: 'sts:AssumeRole',
        }),
      }),
    );
  }
}

/**
 * The management account (moto's default) at the root, OU prod with two accounts under an SCP that
 * denies the presign call outside the approved range, OU sandbox with an account whose only SCP
 * allows EC2 and S3, one without the member role, and one with nothing but FullAWSAccess. The same
 * deny SCP is attached to the management account, where SCPs do not apply.
 */
export async function buildOrganization(moto: Moto): Promise<World> {
  const organizations = new OrganizationsClient(moto.clientConfig(REGION));
  await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const rootId = (await organizations.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
  await organizations.send(
    new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }),
  );
  const ou = async (Name: string) =>
    (await organizations.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name })))
      .OrganizationalUnit?.Id as string;
  const prodOu = await ou('prod');
  const sandboxOu = await ou('sandbox');
  const account = async (name: string, parent: string) => {
    const created = await organizations.send(
      new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }),
    );
    const id = created.CreateAccountStatus?.AccountId as string;
    await organizations.send(
      new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: parent }),
    );
    return id;
  };
  const accounts = {
    prodA: await account('prod-a', prodOu),
    prodB: await account('prod-b', prodOu),
    allowList: await account('sandbox-allow-list', sandboxOu),
    noRole: await account('sandbox-no-role', sandboxOu),
    open: await account('sandbox-open', sandboxOu),
  };
  const policy = async (Name: string, Content: string) =>
    (
      await organizations.send(
        new CreatePolicyCommand({ Name, Description: Name, Type: 'SERVICE_CONTROL_POLICY', Content }),
      )
    ).Policy?.PolicySummary?.Id as string;
  const denyOutside = await policy(
    'deny-presign-outside-approved',
    document({
      Effect: 'Deny',
      Action: ACTION,
      Resource: '*',
      Condition: { NotIpAddress: { 'aws:SourceIp': [APPROVED] } },
    }),
  );
  const allowList = await policy(
    'allow-ec2-s3',
    document({ Effect: 'Allow', Action: ['ec2:*', 's3:*'], Resource: '*' }),
  );
  await organizations.send(new AttachPolicyCommand({ PolicyId: denyOutside, TargetId: prodOu }));
  await organizations.send(new AttachPolicyCommand({ PolicyId: denyOutside, TargetId: MOTO_ACCOUNT_ID }));
  await organizations.send(new AttachPolicyCommand({ PolicyId: allowList, TargetId: accounts.allowList }));
  await organizations.send(
    new DetachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: accounts.allowList }),
  );

  await buildAccount(new IAMClient(moto.clientConfig(REGION)), true);
  for (const [name, id] of Object.entries(accounts))
    await buildAccount(await clientsIn(moto, id), name !== 'noRole');
  return { prodOu, accounts };
}
