import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli.ts';
import { fakeIo } from './support/cli-io.ts';

/** What the CLI did to files under the output directory, in order. */
const events: string[] = [];
let watched = '';
let failSync = false;

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>();
  const open: typeof actual.open = async (path, flags, mode) => {
    const handle = await actual.open(path, flags, mode);
    if (!String(path).startsWith(watched)) return handle;
    events.push(`open ${flags}`);
    const sync = handle.sync.bind(handle);
    handle.sync = async () => {
      events.push('sync');
      if (failSync) throw Object.assign(new Error('disk gone'), { code: 'EIO' });
      return sync();
    };
    return handle;
  };
  const rename: typeof actual.rename = async (from, to) => {
    if (String(to).startsWith(watched)) events.push('rename');
    return actual.rename(from, to);
  };
  return { ...actual, open, rename };
});

const DEMO = new URL('../examples/demo-account.json', import.meta.url).pathname;

beforeEach(() => {
  events.length = 0;
  failSync = false;
  watched = mkdtempSync(join(tmpdir(), 'atomic-write-'));
});

describe('--output', () => {
  it('creates the temporary file exclusively and syncs it to disk before renaming it into place', async () => {
    // Prepare
    const output = join(watched, 'report.json');

    // Act
    const code = await main(['scan', '--input', DEMO, '--format', 'json', '--output', output], fakeIo());

    // Assess
    expect(code).toBe(1);
    expect(events).toEqual(['open wx', 'sync', 'rename']);
    expect(JSON.parse(readFileSync(output, 'utf8')).schemaVersion).toBe(1);
    expect(readdirSync(watched)).toEqual(['report.json']);
  });

  it('removes the temporary file and keeps the previous report when the sync fails', async () => {
    // Prepare
    const output = join(watched, 'report.json');
    await main(['scan', '--input', DEMO, '--format', 'json', '--output', output], fakeIo());
    const previous = readFileSync(output, 'utf8');
    failSync = true;
    const io = fakeIo();

    // Act
    const code = await main(['scan', '--input', DEMO, '--format', 'asff', '--output', output], io);

    // Assess
    expect(code).toBe(2);
    expect(io.err()).toBe(`error: --output: cannot write ${output} (EIO)\n`);
    expect(readFileSync(output, 'utf8')).toBe(previous);
    expect(readdirSync(watched)).toEqual(['report.json']);
  });
});
