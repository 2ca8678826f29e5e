import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

let dir: string;
let files: string[];

/**
 * npm without the parent's npm_* settings (an `npm test` run passes its own) and never the
 * network: the package must install from the tarball alone.
 */
function npmEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    ...(process.env.npm_config_cache ? { npm_config_cache: process.env.npm_config_cache } : {}),
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
}

/** `npx sagemaker-compliance-scanner …` in the directory the tarball was installed into. */
function npx(args: string[]) {
  return spawnSync('npx', ['--offline', '--no-install', 'sagemaker-compliance-scanner', ...args], {
    cwd: join(dir, 'project'),
    env: npmEnv(),
    encoding: 'utf8',
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scanner-pack-'));
  // `npm pack` runs `prepack`, which bundles the CLI: the tarball is what a release would publish.
  const output = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
    cwd: ROOT,
    env: npmEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The build's own lines precede npm's JSON on stdout.
  const packed = JSON.parse(output.slice(output.search(/^\[/m))) as {
    filename: string;
    files: { path: string }[];
  }[];
  const tarball = join(dir, packed[0]?.filename as string);
  files = (packed[0]?.files ?? []).map((file) => file.path);
  mkdirSync(join(dir, 'project'));
  execFileSync('npm', ['init', '-y'], { cwd: join(dir, 'project'), env: npmEnv(), stdio: 'ignore' });
  execFileSync('npm', ['install', tarball], { cwd: join(dir, 'project'), env: npmEnv(), stdio: 'ignore' });
}, 240_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the packed package', { timeout: 60_000 }, () => {
  it('ships the bundled CLI, its launcher and the examples, not the sources or tests', () => {
    // Assess
    expect(files).toContain('bin/sagemaker-compliance-scanner.mjs');
    expect(files).toContain('dist/cli/sagemaker-compliance-scanner.mjs');
    expect(files).toContain('examples/demo-account.json');
    expect(files.filter((path) => /^(src|test|scripts|infra|bench)\/|^dist\/scan\//.test(path))).toEqual([]);
  });

  it('installs with no dependency to fetch: everything it runs is in the bundle', () => {
    // Act
    const installed = JSON.parse(
      readFileSync(join(dir, 'project/node_modules/sagemaker-compliance-scanner/package.json'), 'utf8'),
    ) as { dependencies?: Record<string, string>; engines: { node: string } };

    // Assess
    expect(installed.dependencies ?? {}).toEqual({});
    expect(installed.engines.node).toBe('>=20.11');
  });

  it('runs as npx sagemaker-compliance-scanner --version', () => {
    // Act
    const run = npx(['--version']);

    // Assess
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`${version}\n`);
    expect(run.status).toBe(0);
  });

  it('prints its help with the scan, snapshot and rules commands', () => {
    // Act
    const run = npx(['--help']);

    // Assess
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: sagemaker-compliance-scanner \[options\] \[command\]\n/);
    expect(run.stdout).toMatch(/\n {2}scan \[options\] /);
    expect(run.stdout).toMatch(/\n {2}snapshot \[options\] /);
    expect(run.stdout).toMatch(/\n {2}rules \[options\] /);
  });

  it('scans the shipped demo account from its evidence file and exits 1 for its findings', () => {
    // Act
    const run = npx([
      'scan',
      '--input',
      'node_modules/sagemaker-compliance-scanner/examples/demo-account.json',
      '--format',
      'json',
    ]);

    // Assess
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.tool).toEqual({ name: 'sagemaker-compliance-scanner', version });
    expect(report.scope.accounts).toEqual(['111122223333']);
    expect(report.summary.fail).toBeGreaterThan(0);
  });
});
