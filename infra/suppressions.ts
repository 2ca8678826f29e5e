import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UserInputError } from '../src/model/errors.ts';
import { RULES } from '../src/rules/index.ts';
import { parseSuppressions, type Suppression } from '../src/suppress/suppressions.ts';

/** The file name inside the function bundle; Lambda unpacks the bundle into `/var/task`. */
export const SHIPPED_SUPPRESSIONS_NAME = 'suppressions.json';
export const SHIPPED_SUPPRESSIONS_PATH = `/var/task/${SHIPPED_SUPPRESSIONS_NAME}`;

const YAML_FILE = /\.ya?ml$/i;

/**
 * Validates the deployer's suppressions file (JSON, or YAML by extension) against the registry's
 * rule ids and the horizon, exactly as the Lambda will, and writes it as JSON to a fresh temporary
 * directory for the bundle: a bad entry stops `cdk synth` with the entry named, and the function
 * needs no YAML parser.
 *
 * Synchronous because a construct's constructor cannot await.
 *
 * @returns the path of the staged JSON copy and the validated entries.
 * @example
 * stageSuppressions('suppressions.yaml', 365).path; // '/tmp/scanner-suppressions-Ab12Cd/suppressions.json'
 */
export function stageSuppressions(
  file: string,
  horizonDays: number,
  now = new Date(),
): { path: string; suppressions: Suppression[] } {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserInputError(
      `suppressionsFile: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  const format = YAML_FILE.test(path) ? 'YAML' : 'JSON';
  let data: unknown;
  try {
    data = format === 'YAML' ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new UserInputError(`${file}: not valid ${format} (${(error as Error).message.split('\n')[0]})`);
  }
  const suppressions = parseSuppressions(data, file, {
    knownRuleIds: RULES.map((rule) => rule.meta.id),
    now,
    horizonDays,
  });
  const staged = join(mkdtempSync(join(tmpdir(), 'scanner-suppressions-')), SHIPPED_SUPPRESSIONS_NAME);
  writeFileSync(staged, `${JSON.stringify(data, null, 2)}\n`);
  return { path: staged, suppressions };
}
