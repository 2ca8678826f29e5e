import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.ts';
import { healthy, WIRE_REGION } from './faults/wire-world.ts';
import { fastClientOverrides, startFakeAws } from './support/aws-faults.ts';
import { fakeIo } from './support/cli-io.ts';

const ESC = '\u001b';

/** What a terminal shows of stderr's frames, escape sequences dropped. */
function frames(stderr: string): string[] {
  return stderr
    .split(new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`))
    .map((text) => text.trim())
    .filter((text) => text !== '');
}

const RULES = ['--rules', 'vpc-sagemaker-endpoints,iam-principal-presigned-url-source-ip'];

describe('the progress line of a live scan over the wire', () => {
  it('on a terminal, updates one line on stderr from the start to the last region and IAM page, then clears it', async () => {
    // Prepare: the real SDK over a local wire, since the line counts the answers its middleware sees.
    const aws = await startFakeAws(healthy);
    const io = fakeIo({
      tty: true,
      env: { AWS_REGION: WIRE_REGION },
      clientOverrides: { endpoint: aws.endpoint, ...fastClientOverrides(2) },
    });

    // Act
    const code = await main(
      ['scan', '--regions', WIRE_REGION, ...RULES, '--allowed-cidrs', '203.0.113.0/24', '--format', 'json'],
      io,
    ).finally(() => aws.close());

    // Assess: the canned world has findings, so exit 1
    expect(code).toBe(1);
    const shown = frames(io.err());
    expect(shown[0]).toBe('Scanning: identifying the account, IAM pages 0 read, 0s');
    expect(shown).toContain('Scanning: regions 0/1 read, IAM pages 0 read, 0s');
    expect(shown.at(-1)).toMatch(/^Scanning: regions 1\/1 read, IAM pages 1 read, \ds$/);
    expect(aws.count('GetAccountAuthorizationDetails')).toBe(1);
    expect(aws.count('ListAccountAliases')).toBe(1);
    expect(io.err()).not.toContain('\n\n');
    // log-update's erase of the last frame: the report starts on a clean line.
    expect(io.err().endsWith(`${ESC}[2K${ESC}[G${ESC}[?2026l`)).toBe(true);
    expect(JSON.parse(io.out()).summary.pass).toBeGreaterThanOrEqual(0);
  });
});
