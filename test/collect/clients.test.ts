import { DescribeVpcsCommand, EC2ServiceException } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { ApiCallCounter, AwsClients, DEFAULT_MAX_ATTEMPTS } from '../../src/collect/clients.ts';
import {
  always,
  failFirst,
  fastClients,
  serveFromResponders,
  throttlingError,
} from '../support/aws-faults.ts';

describe('AwsClients', () => {
  it('creates one client per service and region and reuses it', () => {
    // Prepare
    const clients = new AwsClients();

    // Act
    const first = clients.ec2('eu-west-1');

    // Assess
    expect(clients.ec2('eu-west-1')).toBe(first);
    expect(clients.ec2('us-east-1')).not.toBe(first);
    expect(clients.iam('eu-west-1')).not.toBe(first);
  });

  it('configures adaptive retries with the documented attempt count', async () => {
    // Act
    const client = new AwsClients().ec2('eu-west-1');

    // Assess
    expect(client.config.retryMode).toBe('adaptive');
    expect(await client.config.maxAttempts()).toBe(DEFAULT_MAX_ATTEMPTS);
    expect(await client.config.region()).toBe('eu-west-1');
  });

  it('counts calls by service:Operation from the middleware context, not the class name minification renames', async () => {
    // Prepare
    class _G extends DescribeVpcsCommand {}
    const clients = fastClients();
    for (const region of ['eu-west-1', 'us-east-1']) {
      serveFromResponders(clients.ec2(region), { DescribeVpcs: always({ Vpcs: [] }) });
    }

    // Act
    await clients.ec2('eu-west-1').send(new _G({}));
    await clients.ec2('us-east-1').send(new DescribeVpcsCommand({}));

    // Assess
    expect(clients.counter.toJSON()).toEqual({ 'ec2:DescribeVpcs': 2 });
  });

  it('counts a retried request once while every attempt reaches AWS', async () => {
    // Prepare
    const clients = fastClients(4);
    const log = serveFromResponders(clients.ec2('eu-west-1'), {
      DescribeVpcs: failFirst(2, () => throttlingError(EC2ServiceException), always({ Vpcs: [] })),
    });

    // Act
    const output = await clients.ec2('eu-west-1').send(new DescribeVpcsCommand({}));

    // Assess
    expect(output.$metadata.attempts).toBe(3);
    expect(log.count('DescribeVpcs')).toBe(3);
    expect(clients.counter.toJSON()).toEqual({ 'ec2:DescribeVpcs': 1 });
  });

  it('gives up after the configured attempts and surfaces the AWS error', async () => {
    // Prepare
    const clients = fastClients(2);
    const log = serveFromResponders(clients.sts('eu-west-1'), {
      GetCallerIdentity: failFirst(
        Number.POSITIVE_INFINITY,
        () => throttlingError(EC2ServiceException, 'Throttling', 400),
        always({}),
      ),
    });

    // Act
    const calling = clients.sts('eu-west-1').send(new GetCallerIdentityCommand({}));

    // Assess
    await expect(calling).rejects.toMatchObject({ name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    expect(log.count('GetCallerIdentity')).toBe(2);
  });
});

describe('ApiCallCounter', () => {
  it('reports operations in sorted order', () => {
    // Prepare
    const counter = new ApiCallCounter();

    // Act
    for (const operation of [
      'sts:GetCallerIdentity',
      'ec2:DescribeVpcs',
      'ec2:DescribeVpcs',
      'ec2:DescribeRegions',
    ]) {
      counter.record(operation);
    }

    // Assess
    expect(Object.entries(counter.toJSON())).toEqual([
      ['ec2:DescribeRegions', 1],
      ['ec2:DescribeVpcs', 2],
      ['sts:GetCallerIdentity', 1],
    ]);
  });
});
