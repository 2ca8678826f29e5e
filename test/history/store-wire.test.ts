/**
 * The conditional writes through the real S3 client, against a local HTTP server that answers as S3
 * does: the SDK's own header serialization (`If-Match`, `If-None-Match`) and error deserialization
 * decide what the store sees. moto (test/integration/history.int.test.ts) answers 412 but never
 * 409 ConditionalRequestConflict, which S3 sends when two conditional writes race.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type PreviousReport, ReportStore } from '../../src/history/store.ts';
import { report } from '../support/report.ts';

const ACCOUNT = '111122223333';
const BUCKET = 'compliance-reports';
const LATEST = `/${BUCKET}/reports/${ACCOUNT}/latest.json`;

interface Seen {
  method: string;
  path: string;
  ifMatch?: string;
  ifNoneMatch?: string;
}

let server: Server;
let seen: Seen[];
/** How the server answers the n-th PUT of latest.json. */
let putAnswers: ((request: IncomingMessage) => { status: number; body: string; etag?: string })[];
let endpoint: string;

const conflictXml = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>`;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const header = (name: string) => request.headers[name] as string | undefined;
      seen.push({
        method: request.method ?? '',
        path: request.url?.split('?')[0] ?? '',
        ...(header('if-match') === undefined ? {} : { ifMatch: header('if-match') }),
        ...(header('if-none-match') === undefined ? {} : { ifNoneMatch: header('if-none-match') }),
      });
      if (request.method === 'GET') {
        const earlier = report([], { scanId: 'scan-earlier', startedAt: '2026-03-01T01:59:00.000Z' });
        response.writeHead(200, { 'content-type': 'application/json', etag: '"e2"' });
        response.end(JSON.stringify(earlier));
        return;
      }
      const answer = putAnswers.shift()?.(request) ?? {
        status: 500,
        body: conflictXml('InternalError', 'no answer'),
      };
      response.writeHead(answer.status, {
        'content-type': 'application/xml',
        ...(answer.etag === undefined ? {} : { etag: answer.etag }),
      });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen = [];
  putAnswers = [];
});

function store(): ReportStore {
  const s3 = new S3Client({
    endpoint,
    region: 'eu-west-1',
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  });
  return new ReportStore(s3, BUCKET);
}

const ours = report([], { scanId: 'scan-ours', startedAt: '2026-03-01T02:00:00.000Z' });
const readAtStart: PreviousReport = {
  kind: 'found',
  previous: { scanId: 'scan-0', startedAt: '2026-02-28T02:00:00.000Z', results: [] },
  source: `s3://${BUCKET}/reports/${ACCOUNT}/latest.json`,
  etag: '"e1"',
};

describe('ReportStore over the S3 wire', () => {
  it('re-reads after a 409 ConditionalRequestConflict and replaces the earlier scan on its new ETag', async () => {
    // Prepare
    putAnswers.push(
      () => ({
        status: 409,
        body: conflictXml('ConditionalRequestConflict', 'A conflicting operation is in progress'),
      }),
      () => ({ status: 200, body: '', etag: '"e3"' }),
    );

    // Act
    const update = await store().updateLatest(ours, ACCOUNT, readAtStart);

    // Assess
    expect(update).toEqual({ outcome: 'moved', source: `s3://${BUCKET}/reports/${ACCOUNT}/latest.json` });
    expect(seen).toEqual([
      { method: 'PUT', path: LATEST, ifMatch: '"e1"' },
      { method: 'GET', path: LATEST },
      { method: 'PUT', path: LATEST, ifMatch: '"e2"' },
    ]);
  });

  it('sends If-None-Match: * for a dated report and its attempt, and surfaces a second 412 as the store error', async () => {
    // Prepare
    const taken = () => ({
      status: 412,
      body: conflictXml(
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold',
      ),
    });
    putAnswers.push(taken, taken);

    // Act
    const storing = store().store(ours, ACCOUNT);

    // Assess
    await expect(storing).rejects.toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    expect(seen).toEqual([
      { method: 'PUT', path: `/${BUCKET}/reports/${ACCOUNT}/2026/03/01/scan-ours.json`, ifNoneMatch: '*' },
      {
        method: 'PUT',
        path: `/${BUCKET}/reports/${ACCOUNT}/2026/03/01/scan-ours.attempt-20260301T020000000Z.json`,
        ifNoneMatch: '*',
      },
    ]);
  });
});
