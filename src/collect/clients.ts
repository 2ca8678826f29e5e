import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';

/**
 * Adaptive retries back off when AWS throttles and slow the client's own request rate, which is
 * what a scan of thousands of resources under account-wide EC2/IAM rate limits needs. Ten
 * attempts ride out a throttling burst of roughly half a minute before a section becomes ERROR.
 */
export const DEFAULT_MAX_ATTEMPTS = 10;

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

interface Sendable {
  send(command: unknown, ...rest: unknown[]): Promise<unknown>;
}

/**
 * Counts at `send` and looks the implementation up on the prototype at call time, so that the
 * count also works when tests replace `send` on the client class with a mock.
 */
function counted<T extends Sendable>(client: T, service: string, counter: ApiCallCounter): T {
  const prototype = Object.getPrototypeOf(client) as Sendable;
  client.send = (command: unknown, ...rest: unknown[]) => {
    const name = (command as { constructor: { name: string } }).constructor.name.replace(/Command$/, '');
    counter.record(`${service}:${name}`);
    return prototype.send.call(client, command, ...rest);
  };
  return client;
}

export interface ClientOptions {
  maxAttempts?: number;
  /** Extra client configuration, e.g. a fast retry strategy in tests. */
  overrides?: Record<string, unknown>;
}

/** One client per service and region, created on first use and shared by every collector. */
export class AwsClients {
  readonly counter = new ApiCallCounter();
  private readonly cache = new Map<string, Sendable>();

  constructor(private readonly options: ClientOptions = {}) {}

  ec2(region: string): EC2Client {
    return this.client('ec2', region, (config) => new EC2Client(config));
  }

  iam(region: string): IAMClient {
    return this.client('iam', region, (config) => new IAMClient(config));
  }

  sts(region: string): STSClient {
    return this.client('sts', region, (config) => new STSClient(config));
  }

  private client<T extends Sendable>(service: string, region: string, create: (config: object) => T): T {
    const key = `${service}/${region}`;
    const existing = this.cache.get(key);
    if (existing) return existing as T;
    const client = counted(
      create({
        region,
        retryMode: 'adaptive',
        maxAttempts: this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        ...this.options.overrides,
      }),
      service,
      this.counter,
    );
    this.cache.set(key, client);
    return client;
  }
}
