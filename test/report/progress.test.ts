import { afterEach, describe, expect, it, vi } from 'vitest';
import { type FrameWriter, formatProgress, LiveProgress } from '../../src/report/progress.ts';

function recordingFrame(): FrameWriter & { frames: string[]; cleared: number } {
  const frames: string[] = [];
  const frame = Object.assign((text: string) => frames.push(text), {
    frames,
    cleared: 0,
    clear: () => {
      frame.cleared += 1;
    },
    done: () => {},
  });
  return frame;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('formatProgress', () => {
  it.each([
    [{ elapsedMs: 400 }, 'Scanning: identifying the account, 0s'],
    [{ iamPages: 0, elapsedMs: 999 }, 'Scanning: identifying the account, IAM pages 0 read, 0s'],
    [
      { regions: { done: 1, total: 4 }, iamPages: 3, elapsedMs: 12_400 },
      'Scanning: regions 1/4 read, IAM pages 3 read, 12s',
    ],
    [{ regions: { done: 0, total: 17 }, elapsedMs: 61_000 }, 'Scanning: regions 0/17 read, 61s'],
  ])('says %j as %s', (progress, line) => {
    // Act
    const text = formatProgress(progress);

    // Assess
    expect(text).toBe(line);
  });
});

describe('LiveProgress', () => {
  it('draws at once, then on each region and IAM page, and every second for the elapsed time', () => {
    // Prepare
    vi.useFakeTimers();
    let now = 1_000_000;
    const frame = recordingFrame();

    // Act
    const live = new LiveProgress(frame, { readsIam: true, now: () => now });
    live.step({ kind: 'regions', regions: ['eu-west-1', 'us-east-1'] });
    live.answered('iam:GetAccountAuthorizationDetails');
    live.answered('iam:ListAccountAliases');
    live.answered('ec2:DescribeVpcs');
    live.step({ kind: 'region-done', region: 'eu-west-1' });
    now += 1_000;
    vi.advanceTimersByTime(1_000);
    live.stop();
    now += 5_000;
    vi.advanceTimersByTime(5_000);

    // Assess
    expect(frame.frames).toEqual([
      'Scanning: identifying the account, IAM pages 0 read, 0s',
      'Scanning: regions 0/2 read, IAM pages 0 read, 0s',
      'Scanning: regions 0/2 read, IAM pages 1 read, 0s',
      'Scanning: regions 1/2 read, IAM pages 1 read, 0s',
      'Scanning: regions 1/2 read, IAM pages 1 read, 1s',
    ]);
    expect(frame.cleared).toBe(1);
  });

  it('leaves IAM out when no rule reads it', () => {
    // Prepare
    const frame = recordingFrame();

    // Act
    const live = new LiveProgress(frame, { readsIam: false, now: () => 0 });
    live.answered('iam:GetAccountAuthorizationDetails');
    live.stop();

    // Assess
    expect(frame.frames).toEqual(['Scanning: identifying the account, 0s']);
  });
});
