import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BundleResult, bundleCli } from '../../scripts/build.ts';

let outDir: string;
let bundle: BundleResult;

/** The source files a chunk and the chunks it imports statically hold: what loading it evaluates. */
function staticallyLoaded(metafile: Metafile, entry: string): string[] {
  const chunks = new Set<string>();
  const pending = [entry];
  for (let chunk = pending.pop(); chunk !== undefined; chunk = pending.pop()) {
    if (chunks.has(chunk)) continue;
    chunks.add(chunk);
    for (const imported of metafile.outputs[chunk]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) pending.push(imported.path);
    }
  }
  return [...chunks].flatMap((chunk) =>
    Object.entries(metafile.outputs[chunk]?.inputs ?? {})
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path),
  );
}

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'scanner-cli-bundle-'));
  bundle = await bundleCli(outDir);
}, 120_000);

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe('the CLI bundle', () => {
  const entryChunk = () =>
    Object.keys(bundle.metafile.outputs).find((path) =>
      path.endsWith('/sagemaker-compliance-scanner.mjs'),
    ) as string;

  it('starts without the AWS SDK, the collection driver or the YAML parser: --help and --input scans never load them (the section files come for their snapshot schemas)', () => {
    // Act
    const loaded = staticallyLoaded(bundle.metafile, entryChunk());

    // Assess
    expect(loaded.some((path) => path.endsWith('src/cli.ts'))).toBe(true);
    expect(loaded.some((path) => path.endsWith('src/model/snapshot.ts'))).toBe(true);
    expect(
      loaded.filter((path) =>
        /node_modules\/(@aws-sdk|@smithy|yaml)\/|src\/collect\/(clients|index|read-sections|region|sdk|identity)\.ts/.test(
          path,
        ),
      ),
    ).toEqual([]);
  });

  it('holds the AWS SDK clients in chunks that a live scan imports when it starts', () => {
    // Act
    const everything = Object.keys(bundle.metafile.inputs);

    // Assess
    for (const client of [
      'client-ec2',
      'client-iam',
      'client-organizations',
      'client-sagemaker',
      'client-sts',
      'client-securityhub',
      'credential-providers',
    ]) {
      expect(everything.some((path) => path.includes(`node_modules/@aws-sdk/${client}/dist-es/`))).toBe(true);
    }
  });
});
