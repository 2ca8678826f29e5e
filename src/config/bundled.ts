import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { UserInputError } from '../model/errors.ts';
import { jsonPath } from '../model/snapshot.ts';

/** The file name inside the function bundle; Lambda unpacks the bundle into `/var/task`. */
export const SCAN_CONFIG_NAME = 'scan-config.json';
export const SCAN_CONFIG_PATH = `/var/task/${SCAN_CONFIG_NAME}`;

/**
 * The deployed lists that have no size bound of their own, shipped as a file in the function bundle
 * rather than as environment variables, which Lambda caps at 4 KB for all of them together.
 */
export const scanConfigSchema = z.strictObject({
  version: z.literal(1),
  rules: z.array(z.string().min(1)).min(1).optional(),
  allowedSourceCidrs: z.array(z.string()).optional(),
  approvedVpces: z.array(z.string()).optional(),
});

export type ScanConfig = z.infer<typeof scanConfigSchema>;

/**
 * Reads and checks the shape of the bundled configuration; the values themselves (rule ids,
 * CIDRs) are checked by the caller as for the variables they replace. Every problem names the file.
 *
 * @example
 * readScanConfig('/var/task/scan-config.json'); // { version: 1, rules: ['vpc-sagemaker-endpoints'] }
 */
export function readScanConfig(
  file: string,
  readText: (file: string) => string = (path) => readFileSync(path, 'utf8'),
): ScanConfig {
  let text: string;
  try {
    text = readText(file);
  } catch (error) {
    throw new UserInputError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserInputError(`${file} is not valid JSON (${(error as Error).message})`);
  }
  const parsed = scanConfigSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const keys = issue?.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    throw new UserInputError(`${file}: ${jsonPath(issue?.path ?? [])}: ${issue?.message}${keys}`);
  }
  return parsed.data;
}
