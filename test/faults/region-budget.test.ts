import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.ts';
import type { Bucket, Pacer } from '../../src/collect/pacing.ts';
import { runScan } from '../../src/engine/scan.ts';
import { selectRules } from '../../src/engine/select.ts';
import { DEFAULT_RULE_CONFIG } from '../../src/model/config.ts';
import type { Report } from '../../src/model/report.ts';
import {
  EC2_REQUEST_LIMIT_EXCEEDED,
  ec2Xml,
  type FakeAws,
  fastClientOverrides,
  startFakeAws,
  type WireAnswer,
  type WireCall,
} from '../support/aws-faults.ts';
import { fakeIo } from '../support/cli-io.ts';
import { healthy, WIRE_ACCOUNT_ID, WIRE_REGION, WIRE_VPC_ID, wireClients } from './wire-world.ts';

const RULES = selectRules(['vpc-sagemaker-endpoints', 'vpc-sagemaker-private-dns']);

/**
 * Lets every request go at once and counts the operations finished, but prices each call of
 * `operation` at `secondsPerCall` of its bucket, whatever the clock: at 100 s a
 * DescribeVpcAttribute call, a region with one VPC to check needs 200 s.
 */
class SlowOperationPacer implements Pacer {
  private readonly finishes = new Map<string, number>();

  constructor(
    private readonly operation: string,
    private readonly secondsPerCall: number,
  ) {}

  async take(): Promise<void> {}

  secondsFor(bucket: Bucket, calls: number): number {
    return bucket.key.endsWith(`/${this.operation}`) ? calls * this.secondsPerCall : 0;
  }

  finish(bucket: Bucket): void {
    this.finishes.set(bucket.key, this.finished(bucket) + 1);
  }

  finished(bucket: Bucket): number {
    return this.finishes.get(bucket.key) ?? 0;
  }
}

let aws: FakeAws | undefined;

afterEach(async () => {
  await aws?.close();
  aws = undefined;
});

async function scanWithTimeLeft(timeLeftMs: number) {
  aws = await startFakeAws(healthy);
  const notices: string[] = [];
  const { report } = await runScan({
    rules: RULES,
    config: DEFAULT_RULE_CONFIG,
    source: {
      kind: 'live',
      clients: wireClients(aws.endpoint, { pacer: new SlowOperationPacer('DescribeVpcAttribute', 100) }),
      regions: [WIRE_REGION],
      homeRegion: WIRE_REGION,
      deadline: new AbortController().signal,
      timeLeftMs: () => timeLeftMs,
      onNotice: (message) => notices.push(message),
    },
  });
  return { report, notices, attributeCalls: aws.count('DescribeVpcAttribute') };
}

describe('a region whose calls cannot finish before the deadline', () => {
  it('is read and judged when its announced calls fit in the time left', async () => {
    // Act
    const { report, notices, attributeCalls } = await scanWithTimeLeft(250_000);

    // Assess
    expect(report.results.map((result) => [result.ruleId, result.status])).toEqual([
      ['vpc-sagemaker-endpoints', 'PASS'],
      ['vpc-sagemaker-private-dns', 'PASS'],
      ['vpc-sagemaker-private-dns', 'PASS'],
    ]);
    expect({ complete: report.complete, notices, attributeCalls }).toEqual({
      complete: true,
      notices: [],
      attributeCalls: 2,
    });
  });

  it('is given up before its DescribeVpcAttribute calls go: every result of it ERROR with the estimate, never PASS, and the scan says so', async () => {
    // Act
    const { report, notices, attributeCalls } = await scanWithTimeLeft(150_000);

    // Assess
    const estimate = 'the estimated 2 calls need about 200 s at the paced rate, more than the 150 s left';
    expect(report.results.map((result) => [result.ruleId, result.region, result.status])).toEqual([
      ['vpc-sagemaker-endpoints', WIRE_REGION, 'ERROR'],
      ['vpc-sagemaker-private-dns', WIRE_REGION, 'ERROR'],
    ]);
    for (const result of report.results) {
      expect([result.message, result.remediation]).toEqual([
        `Could not judge region ${WIRE_REGION}: it was not scanned (NotScanned), because ${estimate}.`,
        "Give the scan more time (the Lambda's timeout, up to 15 minutes, or the CLI's --timeout), a higher rate share (API_RATE_SHARE, or the CLI's --rate-share), or fewer regions (SCAN_REGIONS, or the CLI's --regions), and scan again.",
      ]);
    }
    expect({ complete: report.complete, notices, attributeCalls }).toEqual({
      complete: false,
      notices: [`Region ${WIRE_REGION} of account ${WIRE_ACCOUNT_ID} not scanned: ${estimate}`],
      attributeCalls: 0,
    });
  });
});

describe('a region whose listing is throttled and retried', () => {
  /** Three pages of VPCs; the first request for page 2 is throttled, its retry answered. */
  function throttledSecondPage(call: WireCall): WireAnswer {
    if (call.action !== 'DescribeVpcs') return healthy(call);
    const token = call.params.get('NextToken');
    if (token === null) {
      const vpc = `<item><vpcId>${WIRE_VPC_ID}</vpcId><ownerId>${WIRE_ACCOUNT_ID}</ownerId><state>available</state><cidrBlock>10.0.0.0/16</cidrBlock><isDefault>false</isDefault></item>`;
      return { body: ec2Xml('DescribeVpcs', `<vpcSet>${vpc}</vpcSet><nextToken>page-2</nextToken>`) };
    }
    const asked = aws?.calls.filter((seen) => seen.params.get('NextToken') === token).length;
    if (token === 'page-2' && asked === 1) return { status: 503, body: EC2_REQUEST_LIMIT_EXCEEDED };
    const next = token === 'page-2' ? '<nextToken>page-3</nextToken>' : '';
    return { body: ec2Xml('DescribeVpcs', `<vpcSet/>${next}`) };
  }

  it('keeps the throttled page due until its retry is answered, and gives the region up when the pages left cannot finish', async () => {
    // Prepare: each DescribeVpcs attempt takes 30 s of the 100 s left, and each page is priced at
    // 50 s. After page 1 (70 s left) page 2 is due: 50 s fits. After page 2's throttled attempt and
    // its answered retry (10 s left), page 3 is due: 50 s does not fit. Counted by attempts, the two
    // of page 2 would have settled page 3 too, and the region would have been read to the end.
    aws = await startFakeAws(throttledSecondPage);
    const fake = aws;
    const { report } = await runScan({
      rules: RULES,
      config: DEFAULT_RULE_CONFIG,
      source: {
        kind: 'live',
        clients: wireClients(fake.endpoint, { pacer: new SlowOperationPacer('DescribeVpcs', 50) }),
        regions: [WIRE_REGION],
        homeRegion: WIRE_REGION,
        deadline: new AbortController().signal,
        timeLeftMs: () => 100_000 - 30_000 * fake.count('DescribeVpcs'),
        onNotice: () => {},
      },
    });

    // Assess
    const estimate = 'the estimated 1 calls need about 50 s at the paced rate, more than the 10 s left';
    expect(
      report.results.map((result) => [result.ruleId, result.region, result.status, result.message]),
    ).toEqual([
      [
        'vpc-sagemaker-endpoints',
        WIRE_REGION,
        'ERROR',
        `Could not judge region ${WIRE_REGION}: it was not scanned (NotScanned), because ${estimate}.`,
      ],
      [
        'vpc-sagemaker-private-dns',
        WIRE_REGION,
        'ERROR',
        `Could not judge region ${WIRE_REGION}: it was not scanned (NotScanned), because ${estimate}.`,
      ],
    ]);
    expect(
      fake.calls.filter((call) => call.action === 'DescribeVpcs').map((call) => call.params.get('NextToken')),
    ).toEqual([null, 'page-2', 'page-2']);
    expect(report.complete).toBe(false);
  });
});

describe('the CLI with --timeout', () => {
  /** 600 VPCs, each with a SageMaker API endpoint: 1,200 DescribeVpcAttribute calls to make. */
  const VPC_IDS = Array.from({ length: 600 }, (_, index) => `vpc-${index.toString(16).padStart(17, '0')}`);

  function manyVpcs(call: WireCall) {
    if (call.action === 'DescribeVpcs') {
      const items = VPC_IDS.map(
        (vpcId) =>
          `<item><vpcId>${vpcId}</vpcId><ownerId>${WIRE_ACCOUNT_ID}</ownerId><state>available</state><isDefault>false</isDefault></item>`,
      );
      return { body: ec2Xml('DescribeVpcs', `<vpcSet>${items.join('')}</vpcSet>`) };
    }
    if (call.action === 'DescribeVpcEndpoints') {
      const items = VPC_IDS.map(
        (vpcId, index) =>
          `<item><vpcEndpointId>vpce-${index.toString(16).padStart(17, '0')}</vpcEndpointId><vpcEndpointType>Interface</vpcEndpointType><vpcId>${vpcId}</vpcId><serviceName>com.amazonaws.${WIRE_REGION}.sagemaker.api</serviceName><state>available</state><ownerId>${WIRE_ACCOUNT_ID}</ownerId></item>`,
      );
      return { body: ec2Xml('DescribeVpcEndpoints', `<vpcEndpointSet>${items.join('')}</vpcEndpointSet>`) };
    }
    return healthy(call);
  }

  it('gives up the region whose calls need more than the time left at its default share, warns on stderr and exits 1', async () => {
    // Prepare: at 0.8 of EC2's rate, a burst of 80 then 16 per second: (1,200 − 80) / 16 = 70 s, against 60.
    aws = await startFakeAws(manyVpcs);
    const io = fakeIo({
      env: { AWS_REGION: WIRE_REGION },
      clientOverrides: { endpoint: aws.endpoint, ...fastClientOverrides(2) },
    });

    // Act
    const exitCode = await main(
      ['scan', '--rules', 'vpc-sagemaker-private-dns', '--timeout', '60', '--format', 'json'],
      io,
    );

    // Assess
    const report = JSON.parse(io.out()) as Report;
    expect(exitCode).toBe(1);
    expect(report.complete).toBe(false);
    expect(report.results.map((result) => result.status)).toEqual(['ERROR']);
    expect(aws.count('DescribeVpcAttribute')).toBe(0);
    expect(io.err()).toMatch(
      new RegExp(
        `^warning: Region ${WIRE_REGION} of account ${WIRE_ACCOUNT_ID} not scanned: the estimated 1,200 calls need about 70 s at the paced rate, more than the 5\\d s left\n`,
        'm',
      ),
    );
  });
});
