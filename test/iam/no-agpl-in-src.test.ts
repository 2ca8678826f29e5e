import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../../src/', import.meta.url).pathname;

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(directory, entry.name)) : [join(directory, entry.name)],
  );
}

describe('licensing of the IAM evaluation', () => {
  it('keeps the AGPL-licensed @cloud-copilot packages out of every file under src/', () => {
    // Prepare
    const files = sourceFiles(SRC);
    // Act
    const offenders = files.filter((file) => readFileSync(file, 'utf8').includes('@cloud-copilot/'));
    // Assess
    expect(files.length).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });
});
