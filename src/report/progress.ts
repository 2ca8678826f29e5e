import type { CollectionStep } from '../collect/index.ts';

/** What a live scan has done so far. */
export interface ScanProgress {
  /** The regions to read, once known, and how many are done. */
  regions?: { done: number; total: number };
  /** Pages of `GetAccountAuthorizationDetails` read; absent when no rule needs IAM. */
  iamPages?: number;
  elapsedMs: number;
}

/**
 * The one line a terminal shows while a live scan runs.
 *
 * @example formatProgress({ regions: { done: 1, total: 4 }, iamPages: 3, elapsedMs: 12_400 })
 * // 'Scanning: regions 1/4 read, IAM pages 3 read, 12s'
 */
export function formatProgress(progress: ScanProgress): string {
  const parts = [
    progress.regions === undefined
      ? 'identifying the account'
      : `regions ${progress.regions.done}/${progress.regions.total} read`,
    progress.iamPages === undefined ? undefined : `IAM pages ${progress.iamPages} read`,
    `${Math.floor(progress.elapsedMs / 1000)}s`,
  ];
  return `Scanning: ${parts.filter((part) => part !== undefined).join(', ')}`;
}

/** Draws a frame in place of the last one (log-update's interface). */
export interface FrameWriter {
  (text: string): void;
  clear(): void;
  done(): void;
}

/**
 * Keeps the progress line of a live scan up to date: drawn at once, redrawn on every step and
 * every second (for the elapsed time), and cleared when the scan ends, so the report starts on a
 * clean line.
 */
export class LiveProgress {
  private readonly now: () => number;
  private readonly startedAt: number;
  private regions: ScanProgress['regions'];
  private iamPages: number | undefined;
  private readonly ticker: ReturnType<typeof setInterval>;

  constructor(
    private readonly frame: FrameWriter,
    options: { readsIam: boolean; now?: () => number },
  ) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.iamPages = options.readsIam ? 0 : undefined;
    this.draw();
    this.ticker = setInterval(() => this.draw(), 1000);
    // The ticker alone must not keep the process alive after the scan.
    this.ticker.unref();
  }

  step(step: CollectionStep): void {
    if (step.kind === 'regions') this.regions = { done: 0, total: step.regions.length };
    else if (this.regions) this.regions = { ...this.regions, done: this.regions.done + 1 };
    this.draw();
  }

  answered(operation: string): void {
    if (operation !== 'iam:GetAccountAuthorizationDetails' || this.iamPages === undefined) return;
    this.iamPages += 1;
    this.draw();
  }

  stop(): void {
    clearInterval(this.ticker);
    this.frame.clear();
    this.frame.done();
  }

  private draw(): void {
    this.frame(
      formatProgress({
        regions: this.regions,
        iamPages: this.iamPages,
        elapsedMs: this.now() - this.startedAt,
      }),
    );
  }
}
