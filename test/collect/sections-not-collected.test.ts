import {
  DescribeVpcEndpointServicesCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/collect/clients.ts';
import { runScan } from '../../src/engine/scan.ts';
import { selectRules } from '../../src/engine/select.ts';
import { DEFAULT_RULE_CONFIG } from '../../src/model/config.ts';
import { ACCOUNT_ID, offeredServices } from '../support/inventory.ts';

const REGIONS = ['eu-west-1', 'us-east-1'];

/**
 * No collector reads notebooks or domains yet: a live scan with the rules that need them must
 * report every region as not judged, never come back with nothing to say.
 */
const stubClasses = () => ({ ec2: mockClient(EC2Client), sts: mockClient(STSClient) });

describe('a live scan with rules whose sections no collector reads', () => {
  let ec2: ReturnType<typeof stubClasses>['ec2'];
  let sts: ReturnType<typeof stubClasses>['sts'];

  beforeAll(() => {
    ({ ec2, sts } = stubClasses());
  });

  afterAll(() => {
    ec2.restore();
    sts.restore();
  });

  beforeEach(() => {
    ec2.reset();
    sts.reset();
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: ACCOUNT_ID, Arn: `arn:aws:iam::${ACCOUNT_ID}:role/scanner` });
  });

  const scan = (ruleIds: string[]) =>
    runScan({
      rules: selectRules(ruleIds),
      config: DEFAULT_RULE_CONFIG,
      source: { kind: 'live', clients: new AwsClients(), regions: REGIONS, homeRegion: 'eu-west-1' },
    });

  it('reports ERROR "not collected" in each region for a rule that needs only such a section', async () => {
    // Act
    const { report, inventory } = await scan(['sagemaker-notebook-root-access']);

    // Assess
    expect(report.results.map((result) => [result.region, result.status])).toEqual([
      ['eu-west-1', 'ERROR'],
      ['us-east-1', 'ERROR'],
    ]);
    for (const result of report.results)
      expect(result.message).toContain('sagemakerNotebooks, not collected');
    expect(inventory.accounts[0]?.regions.map((region) => region.region)).toEqual(REGIONS);
    expect(ec2.calls()).toHaveLength(0);
  });

  it('still judges the VPC rules beside them', async () => {
    // Prepare
    ec2.on(DescribeVpcEndpointServicesCommand).callsFake(async (_input, getClient) => ({
      ServiceNames: offeredServices(await getClient().config.region()),
    }));
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });

    // Act
    const { report } = await scan(['sagemaker-domain-vpc-only', 'vpc-sagemaker-endpoints']);

    // Assess
    expect(report.results.map((result) => [result.ruleId, result.region, result.status])).toEqual([
      ['sagemaker-domain-vpc-only', 'eu-west-1', 'ERROR'],
      ['sagemaker-domain-vpc-only', 'us-east-1', 'ERROR'],
    ]);
    expect(report.results[0]?.message).toContain('sagemakerDomains, not collected');
    expect(ec2.commandCalls(DescribeVpcsCommand)).toHaveLength(2);
  });
});
