import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { inject } from 'vitest';

/** moto's default account: every resource created through the emulator belongs to it. */
export const MOTO_ACCOUNT_ID = '123456789012';

export interface Moto {
  endpoint: string;
  /** Environment for a child process (CLI, bundled handler) that talks to this emulator. */
  env: Record<string, string>;
  /** Config for SDK clients created inside the test. */
  clientConfig(region: string): {
    region: string;
    endpoint: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const execFileAsync = promisify(execFile);

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the installed CLI against the emulator in `region`, answering its exit code instead of throwing. */
export async function runCliAgainst(moto: Moto, region: string, args: string[]): Promise<CliRun> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [inject('builtCli'), ...args], {
      env: {
        ...process.env,
        ...moto.env,
        AWS_REGION: region,
        NO_COLOR: '1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as CliRun;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** The event an EventBridge schedule rule sends the scan Lambda, for moto's account. */
export function scheduledEvent(region: string) {
  return {
    version: '0',
    id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: MOTO_ACCOUNT_ID,
    time: '2025-03-04T02:00:00Z',
    region,
    resources: [`arn:aws:events:${region}:${MOTO_ACCOUNT_ID}:rule/nightly-sagemaker-scan`],
    detail: {},
  };
}

/**
 * Whether moto can run here. Outside CI a missing emulator skips the integration tests (with a
 * message); in CI (`CI=true`) it is a failure, so the suite can never pass by not running.
 */
export function motoAvailable(): boolean {
  const probe = spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore' });
  const available = probe.status === 0;
  if (!available && process.env.CI === 'true') {
    throw new Error(
      'moto is not installed (python3 -m pip install "moto[server]"): integration tests cannot run in CI',
    );
  }
  if (!available) console.warn('moto is not installed: skipping the integration tests');
  return available;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto exited with ${child.exitCode}: ${output()}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto did not start within 30 s: ${output()}`);
}

/** Starts a private moto server on a free loopback port (one per test file, so files run in parallel). */
export async function startMoto(extraEnv: Record<string, string> = {}): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  await waitUntilUp(endpoint, child, () => output);
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  return {
    endpoint,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    clientConfig: (region) => ({ region, endpoint, credentials }),
    reset: async () => {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
