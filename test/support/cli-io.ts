import type { CliIo } from '../../src/cli.ts';

export interface FakeIo extends CliIo {
  /** Everything written to stdout so far. */
  out(): string;
  /** Everything written to stderr so far. */
  err(): string;
}

/** In-memory stdout/stderr for `main(argv, io)`: not a terminal unless `tty` says so. */
export function fakeIo(
  options: {
    env?: NodeJS.ProcessEnv;
    tty?: boolean;
    columns?: number;
    clientOverrides?: Record<string, unknown>;
  } = {},
): FakeIo {
  let stdout = '';
  let stderr = '';
  return {
    stdout: {
      write: (text: string) => {
        stdout += text;
        return true;
      },
      isTTY: options.tty ?? false,
      columns: options.columns,
    },
    stderr: {
      write: (text: string) => {
        stderr += text;
        return true;
      },
      isTTY: options.tty ?? false,
    },
    env: options.env ?? {},
    clientOverrides: options.clientOverrides,
    out: () => stdout,
    err: () => stderr,
  };
}
