import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { AwsClients } from '../../src/collect/clients.ts';
import type { Pacer } from '../../src/collect/pacing.ts';

/**
 * Canned AWS behaviour beneath the SDK's retry middleware, so that retries, throttling and
 * pagination run through the real client code. (`aws-sdk-client-mock` replaces `send`, which
 * skips the middleware stack and with it the retry strategy.)
 *
 * A responder gets the command input and how many times this responder has been called (attempts,
 * retries included, starting at 0) and returns the command output or throws an AWS error.
 */
export type Responder = (input: Record<string, unknown>, attempt: number) => unknown;

/** Every attempt the fake served, in order: a retried request appears once per attempt. */
export class AttemptLog {
  readonly attempts: { operation: string; input: Record<string, unknown> }[] = [];

  count(operation: string): number {
    return this.attempts.filter((attempt) => attempt.operation === operation).length;
  }
}

/** Credentials and a retry strategy that never sleeps, so fault tests run in milliseconds. */
export function fastClientOverrides(maxAttempts = 4): Record<string, unknown> {
  return {
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    retryStrategy: new ConfiguredRetryStrategy(maxAttempts, () => 1),
  };
}

/**
 * Lets every request go at once and estimates no time: for tests of what is collected, not of how
 * fast (test/collect/pacing.test.ts tests the pacing).
 */
export const UNPACED: Pacer = {
  take: async () => {},
  secondsFor: () => 0,
  finish: () => {},
  finished: () => 0,
};

/** {@link AwsClients} whose clients retry up to `maxAttempts` times without waiting, unpaced. */
export function fastClients(maxAttempts = 4): AwsClients {
  return new AwsClients({ overrides: fastClientOverrides(maxAttempts), pacer: UNPACED });
}

interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (
        next: unknown,
        context: { commandName?: string },
      ) => (args: { input: object }) => Promise<unknown>,
      options: { step: 'deserialize'; name: string; priority: 'high' },
    ): void;
  };
}

/**
 * Serves every command of `client` from `responders` (keyed by operation, e.g. `DescribeVpcs`),
 * at the deserialize step: below retries and signing, above the network. An operation without a
 * responder fails the test loudly instead of reaching the network.
 *
 * @example
 * const log = serveFromResponders(clients.ec2('eu-west-1'), {
 *   DescribeVpcs: failFirst(2, () => throttlingError(EC2ServiceException), pagesOf('Vpcs', vpcs)),
 * });
 */
export function serveFromResponders(
  client: unknown,
  responders: Record<string, Responder>,
  log = new AttemptLog(),
): AttemptLog {
  const calls = new Map<string, number>();
  (client as MiddlewareClient).middlewareStack.add(
    (_next, context) => async (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const input = args.input as Record<string, unknown>;
      log.attempts.push({ operation, input });
      const responder = responders[operation];
      if (!responder) throw new Error(`no canned response for ${operation}`);
      const attempt = calls.get(operation) ?? 0;
      calls.set(operation, attempt + 1);
      const output = await responder(input, attempt);
      return { output: { $metadata: { httpStatusCode: 200 }, ...(output as object) }, response: {} };
    },
    { step: 'deserialize', name: 'cannedAwsResponses', priority: 'high' },
  );
  return log;
}

type ExceptionClass = new (options: {
  name: string;
  $fault: 'client' | 'server';
  $metadata: { httpStatusCode?: number };
  message: string;
}) => Error;

/** A real service exception, as the SDK's deserializer would throw it. */
export function awsError(
  Exception: ExceptionClass,
  name: string,
  httpStatusCode: number,
  message = `${name} (injected)`,
): Error {
  return new Exception({
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
    message,
  });
}

/** EC2's throttling error (`RequestLimitExceeded`, HTTP 503); pass `Throttling`/400 for IAM or STS. */
export function throttlingError(Exception: ExceptionClass, name = 'RequestLimitExceeded', status = 503) {
  return awsError(Exception, name, status, 'Request limit exceeded.');
}

/** EC2's access denied (`UnauthorizedOperation`, HTTP 403). */
export function accessDenied(Exception: ExceptionClass, name = 'UnauthorizedOperation') {
  return awsError(Exception, name, 403, 'You are not authorized to perform this operation.');
}

/**
 * Throws a fresh error for the first `times` calls that `when` selects, then answers with `then`.
 * `times: Infinity` is an error that outlasts every retry.
 */
export function failFirst(
  times: number,
  makeError: () => Error,
  then: Responder,
  when: (input: Record<string, unknown>) => boolean = () => true,
): Responder {
  let failed = 0;
  return (input, attempt) => {
    if (when(input) && failed < times) {
      failed += 1;
      throw makeError();
    }
    return then(input, attempt);
  };
}

/** Always the same output. */
export function always(output: object): Responder {
  return () => output;
}

/**
 * Pages of `items` under `key`, chained by `NextToken` values `page-1`, `page-2`…, of `pageSize`
 * items or the request's `MaxResults` if smaller. Pair with {@link failFirst} and `when` on a token to
 * fail the call that follows a given page.
 */
export function pagesOf(key: string, items: readonly unknown[], pageSize = 1000) {
  return (input: Record<string, unknown>): Record<string, unknown> => {
    const size = Math.min(pageSize, typeof input.MaxResults === 'number' ? input.MaxResults : pageSize);
    const page = typeof input.NextToken === 'string' ? Number(input.NextToken.replace('page-', '')) : 0;
    const start = page * size;
    const more = start + size < items.length;
    return { [key]: items.slice(start, start + size), ...(more ? { NextToken: `page-${page + 1}` } : {}) };
  };
}

/** Selects the call that carries this `NextToken`, for {@link failFirst}'s `when`. */
export function afterToken(token: string): (input: Record<string, unknown>) => boolean {
  return (input) => input.NextToken === token;
}

/**
 * A socket failure as Node reports it: no AWS error name, a `code` such as `ECONNRESET`. The SDK
 * retries it as a transient error.
 */
export function networkError(code = 'ECONNRESET'): Error {
  return Object.assign(new Error(`read ${code}`), { code });
}

/** The error the SDK's HTTP handler throws when a request outlives its timeout. */
export function timeoutError(): Error {
  return Object.assign(new Error('Connection timed out after 3000 ms'), { name: 'TimeoutError' });
}

/**
 * `GetAccountAuthorizationDetails` pages: the four lists of `details` cut into pages of `pageSize`
 * items (or the request's `MaxItems` if smaller) in the order users, groups, roles, policies, chained
 * by `Marker` values `marker-1`, `marker-2`… with `IsTruncated`, as IAM chains them.
 */
export function markerPagesOf(
  details: {
    UserDetailList?: readonly unknown[];
    GroupDetailList?: readonly unknown[];
    RoleDetailList?: readonly unknown[];
    Policies?: readonly unknown[];
  },
  pageSize = 1000,
): Responder {
  const keys = ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies'] as const;
  const entries = keys.flatMap((key) => (details[key] ?? []).map((item) => ({ key, item })));
  return (input) => {
    const size = Math.min(pageSize, typeof input.MaxItems === 'number' ? input.MaxItems : pageSize);
    const page = typeof input.Marker === 'string' ? Number(input.Marker.replace('marker-', '')) : 0;
    const start = page * size;
    const output: Record<string, unknown> = Object.fromEntries(keys.map((key) => [key, []]));
    for (const { key, item } of entries.slice(start, start + size)) (output[key] as unknown[]).push(item);
    const more = start + size < entries.length;
    return { ...output, IsTruncated: more, ...(more ? { Marker: `marker-${page + 1}` } : {}) };
  };
}

/** Selects the call that carries this IAM `Marker`, for {@link failFirst}'s `when`. */
export function afterMarker(marker: string): (input: Record<string, unknown>) => boolean {
  return (input) => input.Marker === marker;
}

/**
 * One request that reached a {@link FakeAws} server: the operation (the query-protocol `Action`, or
 * the operation of a JSON protocol's `X-Amz-Target` such as `SageMaker.ListDomains`), the query
 * parameters, the JSON body of a JSON-protocol request, and the region and service the SDK signed
 * it for (from the SigV4 credential scope; empty when unsigned).
 */
export interface WireCall {
  action: string;
  params: URLSearchParams;
  json?: Record<string, unknown>;
  region: string;
  service: string;
}

/** `Credential=AKID/20261201/eu-west-1/ec2/aws4_request` in a SigV4 `Authorization` header. */
function signedScope(authorization: string | undefined): { region: string; service: string } {
  const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization ?? '');
  return { region: scope?.[1] ?? '', service: scope?.[2] ?? '' };
}

/** What the server does with a request: answer it, or accept it and never answer. */
export type WireAnswer = { status?: number; contentType?: string; body: string } | 'silent';

export interface FakeAws {
  /** `http://127.0.0.1:<port>`: give it to the SDK as `endpoint`. */
  endpoint: string;
  /** Every request received, retries included, in order. */
  calls: WireCall[];
  count(action: string): number;
  close(): Promise<void>;
}

/**
 * A local HTTP server that speaks the AWS query protocols (EC2, IAM, STS) and the JSON protocol
 * (SageMaker's awsJson1_1) to the real SDK, so its
 * serializers, deserializers, retries and HTTP handler timeouts are what a test exercises. An
 * answer may be a promise, for a server that takes its time (the bench's latency model).
 *
 * @example
 * const aws = await startFakeAws((call) => (call.action === 'DescribeVpcs' ? { body: '' } : healthy(call)));
 */
export async function startFakeAws(
  answer: (call: WireCall) => WireAnswer | Promise<WireAnswer>,
): Promise<FakeAws> {
  const calls: WireCall[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
    });
    request.on('end', async () => {
      const target = request.headers['x-amz-target'];
      const scope = signedScope(request.headers.authorization);
      const call: WireCall =
        typeof target === 'string'
          ? {
              action: target.slice(target.indexOf('.') + 1),
              params: new URLSearchParams(),
              json: JSON.parse(text || '{}') as Record<string, unknown>,
              ...scope,
            }
          : {
              action: new URLSearchParams(text).get('Action') ?? '',
              params: new URLSearchParams(text),
              ...scope,
            };
      calls.push(call);
      const reply = await answer(call);
      if (reply === 'silent') return;
      response.writeHead(reply.status ?? 200, { 'content-type': reply.contentType ?? 'text/xml' });
      response.end(reply.body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    count: (action) => calls.filter((call) => call.action === action).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

/** EC2's throttling answer on the wire (HTTP 503), which the SDK's retries take up. */
export const EC2_REQUEST_LIMIT_EXCEEDED =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>';

/** An EC2 query-protocol answer: `<ActionResponse>` with a request id and `inner`. */
export function ec2Xml(action: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_XMLNS}"><requestId>00000000-0000-0000-0000-000000000000</requestId>${inner}</${action}Response>`;
}

/** An awsQuery answer (IAM, STS): `<ActionResponse><ActionResult>inner</ActionResult>…`. */
export function queryXml(action: string, xmlns: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${xmlns}"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></${action}Response>`;
}

export const IAM_XMLNS = 'https://iam.amazonaws.com/doc/2010-05-08/';

/** The content type of an awsJson1_1 answer (SageMaker). */
export const AWS_JSON_1_1 = 'application/x-amz-json-1.1';
export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** Bodies that captive portals, inspecting proxies and broken gateways answer with HTTP 200. */
export const FOREIGN_BODIES = {
  'an empty body': { body: '', contentType: 'text/xml' },
  'an HTML page': {
    body: '<html><head><title>Sign in</title></head><body><h1>Network login required</h1></body></html>',
    contentType: 'text/html',
  },
  'an HTML page that is not well-formed XML': {
    body: '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Proxy</title></head><body>Blocked<br></body></html>',
    contentType: 'text/html',
  },
  'a JSON {}': { body: '{}', contentType: 'application/json' },
} as const;

/**
 * A region's `DescribeVpcEndpointServices` listing as AWS sends it: the S3 service every region
 * has, then `services` (e.g. `offeredServices(region)`).
 */
export function endpointServiceListing(region: string, services: readonly string[]): string[] {
  return [`com.amazonaws.${region}.s3`, ...services];
}

/** A call that never answers (beneath the SDK's timeouts: only the scan deadline ends it). */
export const hangs: Promise<never> = new Promise<never>(() => {});
