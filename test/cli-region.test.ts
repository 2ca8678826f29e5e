import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeVpcEndpointServicesCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { IAMClient, ListAccountAliasesCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT, main } from '../src/cli.ts';
import type { Report } from '../src/model/report.ts';
import { fakeIo } from './support/cli-io.ts';

const sts = mockClient(STSClient);
const iam = mockClient(IAMClient);
const ec2 = mockClient(EC2Client);

afterEach(() => {
  sts.reset();
  ec2.reset();
  vi.unstubAllEnvs();
});

async function configFileWith(text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'aws-config-')), 'config');
  await writeFile(path, text);
  return path;
}

describe('the region of a live scan', () => {
  it('comes from the AWS_PROFILE profile when AWS_REGION is not set, as the SDK resolves it', async () => {
    // Prepare
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_DEFAULT_REGION', undefined);
    vi.stubEnv('AWS_CONFIG_FILE', await configFileWith('[profile audit]\nregion = ap-southeast-2\n'));
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '111122223333', Arn: 'arn:aws:sts::111122223333:assumed-role/audit/cli' });
    ec2
      .on(DescribeVpcEndpointServicesCommand)
      .resolves({ ServiceNames: ['com.amazonaws.ap-southeast-2.s3'] });
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
    iam.on(ListAccountAliasesCommand).resolves({ AccountAliases: ['audit-target'], IsTruncated: false });
    const io = fakeIo({ env: { AWS_PROFILE: 'audit' } });
    // Act
    const code = await main(['scan', '--rules', 'vpc-sagemaker-endpoints', '--format', 'json'], io);
    // Assess
    expect(io.err()).toBe('');
    expect(code).toBe(EXIT.CLEAN);
    const { scope } = JSON.parse(io.out()) as Report;
    expect(scope.regions).toEqual(['ap-southeast-2']);
    expect(scope.accountAliases).toEqual({ '111122223333': 'audit-target' });
  });

  it('is a usage error naming both ways to set it when no region is configured anywhere', async () => {
    // Prepare
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_DEFAULT_REGION', undefined);
    vi.stubEnv('AWS_CONFIG_FILE', await configFileWith('[default]\noutput = json\n'));
    const io = fakeIo({ env: {} });
    // Act
    const code = await main(['scan'], io);
    // Assess
    expect(code).toBe(EXIT.USAGE);
    expect(io.err()).toBe(
      'error: no region to scan: set AWS_REGION (or a region in the AWS_PROFILE profile) or pass --regions r1,r2\n',
    );
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });
});
