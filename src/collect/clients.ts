import { setMaxListeners } from 'node:events';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import { DEFAULT_LAMBDA_RATE_SHARE } from './defaults.ts';
import { bucketOf, type Pacer, RequestPacer } from './pacing.ts';
import { checkResponse, IncompleteResponseError } from './responses.ts';

/**
 * Adaptive retries back off when AWS throttles and slow the client's own request rate, which is
 * what a scan of thousands of resources under account-wide EC2/IAM rate limits needs. Ten
 * attempts ride out a throttling burst of roughly half a minute before a section becomes ERROR.
 */
export const DEFAULT_MAX_ATTEMPTS = 10;

/**
 * Per attempt: the TCP (and TLS) connection must be up within 5 s, and the answer must start
 * within 30 s (a large `GetAccountAuthorizationDetails` page takes a few seconds), with no 30 s
 * of silence while it streams. A timed-out attempt is retried like a network error.
 */
export const DEFAULT_TIMEOUTS = { connectionMs: 5_000, requestMs: 30_000 } as const;

/** Counts the requests the scanner issues, by `service:Operation` (a retried request counts once). */
export class ApiCallCounter {
  private readonly counts = new Map<string, number>();

  record(operation: string): void {
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}

/**
 * An HTTP 2xx whose body the SDK could not deserialize (an HTML page, JSON where AWS sends XML) is
 * a foreign answer too. AWS's own errors carry a non-2xx status and are left as they are.
 */
function unparsableAnswer(operation: string, error: unknown): IncompleteResponseError | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status === undefined || status < 200 || status > 299) return undefined;
  const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  const name = operation.slice(operation.indexOf(':') + 1);
  return new IncompleteResponseError(
    `${name} answered HTTP ${status} with a body that is not an AWS answer (${reason.trim()})`,
  );
}

type Handler = (args: { input: object }) => Promise<{ output: unknown }>;
type Middleware = (next: Handler, context: { commandName?: string }) => Handler;

interface ScannerClient {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  middlewareStack: {
    add(middleware: Middleware, options: { step: 'initialize'; name: string; priority: 'high' }): void;
    addRelativeTo(
      middleware: Middleware,
      options: { relation: 'after'; toMiddleware: string; name: string },
    ): void;
  };
}

/** `DescribeVpcsCommand` → `DescribeVpcs`, from the middleware context (class names do not survive minification). */
function operationOf(context: { commandName?: string }): string {
  return (context.commandName ?? 'Unknown').replace(/Command$/, '');
}

export interface ClientOptions {
  /** The account's credentials (an assumed role, a profile); the SDK's default chain when absent. */
  credentials?: STSClientConfig['credentials'];
  /** Shared by the clients of every account of one scan, so the report counts all their calls. */
  counter?: ApiCallCounter;
  maxAttempts?: number;
  timeouts?: { connectionMs: number; requestMs: number };
  /** Extra client configuration, e.g. a fast retry strategy in tests. */
  overrides?: Record<string, unknown>;
  /** Told the operation (`iam:GetAccountAuthorizationDetails`…) of each answer that passed its checks, for a progress display. */
  onAnswer?: (operation: string) => void;
  /** The share of each documented request rate these clients may use; default {@link DEFAULT_LAMBDA_RATE_SHARE}. */
  rateShare?: number;
  /** Paces every HTTP attempt; default a {@link RequestPacer} at `rateShare`, one per account's clients. */
  pacer?: Pacer;
}

/** The services whose clients call one region's endpoint for that region's resources. */
const REGIONAL_SERVICES = new Set(['ec2', 'sagemaker']);

/** One client per service and region, created on first use and shared by every collector. */
export class AwsClients {
  readonly counter: ApiCallCounter;
  /** The buckets of this account's requests: each client's attempts take their tokens here. */
  readonly pacer: Pacer;
  private readonly cache = new Map<string, ScannerClient>();
  private readonly stop = new AbortController();
  /** Per region, for the regional services' clients (EC2, SageMaker): the account-wide ones go on. */
  private readonly regionStops = new Map<string, AbortController>();

  constructor(private readonly options: ClientOptions = {}) {
    this.counter = options.counter ?? new ApiCallCounter();
    this.pacer = options.pacer ?? new RequestPacer(options.rateShare ?? DEFAULT_LAMBDA_RATE_SHARE);
    // Every request in flight listens for the cancellation: more than Node's default warning limit.
    setMaxListeners(Number.POSITIVE_INFINITY, this.stop.signal);
  }

  ec2(region: string): EC2Client {
    return this.client('ec2', region, (config) => new EC2Client(config));
  }

  iam(region: string): IAMClient {
    return this.client('iam', region, (config) => new IAMClient(config));
  }

  organizations(region: string): OrganizationsClient {
    return this.client('organizations', region, (config) => new OrganizationsClient(config));
  }

  sagemaker(region: string): SageMakerClient {
    return this.client('sagemaker', region, (config) => new SageMakerClient(config));
  }

  sts(region: string): STSClient {
    return this.client('sts', region, (config) => new STSClient(config));
  }

  /** Cancels every request in flight and every later one: the scan's deadline has passed. */
  abortAll(): void {
    this.stop.abort(new Error('the scan deadline passed'));
  }

  /** Cancels the EC2 and SageMaker requests of `region`, queued or in flight, and every later one: the region is given up. */
  abortRegion(region: string, reason: Error): void {
    this.regionStop(region).abort(reason);
  }

  private regionStop(region: string): AbortController {
    const known = this.regionStops.get(region);
    if (known) return known;
    const created = new AbortController();
    setMaxListeners(Number.POSITIVE_INFINITY, created.signal);
    this.regionStops.set(region, created);
    return created;
  }

  private client<T>(service: string, region: string, create: (config: object) => T): T {
    const key = `${service}/${region}`;
    const existing = this.cache.get(key);
    if (existing) return existing as T;
    const timeouts = this.options.timeouts ?? DEFAULT_TIMEOUTS;
    const created = create({
      region,
      retryMode: 'adaptive',
      maxAttempts: this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      // Without throwOnRequestTimeout, @smithy/node-http-handler only logs a warning when the
      // request timeout passes, and a server that accepts and never answers hangs the scan.
      requestHandler: {
        connectionTimeout: timeouts.connectionMs,
        requestTimeout: timeouts.requestMs,
        socketTimeout: timeouts.requestMs,
        throwOnRequestTimeout: true,
      },
      ...this.options.overrides,
      ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
    });
    const client = created as unknown as ScannerClient;
    const stop = REGIONAL_SERVICES.has(service)
      ? AbortSignal.any([this.stop.signal, this.regionStop(region).signal])
      : this.stop.signal;
    setMaxListeners(Number.POSITIVE_INFINITY, stop);
    this.watch(client, service, region, stop);
    this.pace(client, service, region, stop);
    this.cache.set(key, client);
    return created;
  }

  /**
   * Below the retries, so that every HTTP attempt, a retry too, takes a token of its AWS bucket
   * before it is signed and sent. The adaptive retries still back off when AWS throttles anyway
   * (another tool in the account spent the tokens): they are the safety net, not the pacing.
   */
  private pace(client: ScannerClient, service: string, region: string, stop: AbortSignal): void {
    client.middlewareStack.addRelativeTo(
      (next, context) => async (args) => {
        await this.pacer.take(bucketOf(service, region, operationOf(context)), stop);
        return next(args);
      },
      { relation: 'after', toMiddleware: 'retryMiddleware', name: 'scannerPacing' },
    );
  }

  /**
   * Above the retries, so a retried request counts once, an answer is checked once, and the pacer
   * learns that an operation is finished only from its final answer (a region's time estimate
   * counts it due until then). The operation's name comes from the middleware context, which
   * minification leaves intact (a command's class name does not survive it).
   */
  private watch(client: ScannerClient, service: string, region: string, stop: AbortSignal): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = operationOf(context);
        const operation = `${service}:${name}`;
        this.counter.record(operation);
        const result = await next(args)
          .catch((error: unknown) => {
            throw unparsableAnswer(operation, error) ?? error;
          })
          .finally(() => this.pacer.finish(bucketOf(service, region, name)));
        checkResponse(operation, args.input as Record<string, unknown>, result.output);
        this.options.onAnswer?.(operation);
        return result;
      },
      { step: 'initialize', name: 'scannerCallsAndResponseContracts', priority: 'high' },
    );
    // Looked up at call time, so that tests may still replace `send` on the client class.
    const prototype = Object.getPrototypeOf(client) as ScannerClient;
    client.send = async (command, options) => {
      const output = await prototype.send.call(client, command, {
        abortSignal: stop,
        ...options,
      });
      return output;
    };
  }
}
