import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { UserInputError } from '../model/errors.ts';
import { jsonPath } from '../model/snapshot.ts';

/**
 * The `manifest.json` a Distributed Map's `ResultWriter` writes when the Map Run ends: the result
 * files, grouped by the status of the child executions they hold (Step Functions developer guide,
 * "ResultWriter (Map)", "Exporting to Amazon S3"). Fields beyond these are allowed: AWS adds some.
 */
const resultFile = z.looseObject({ Key: z.string().min(1), Size: z.number().optional() });
export const mapResultManifest = z.looseObject({
  DestinationBucket: z.string().min(3),
  MapRunArn: z.string().optional(),
  ResultFiles: z.looseObject({
    SUCCEEDED: z.array(resultFile).default([]),
    FAILED: z.array(resultFile).default([]),
    PENDING: z.array(resultFile).default([]),
  }),
});
export type MapResultManifest = z.infer<typeof mapResultManifest>;

/**
 * One child execution in a result file (a JSON array of them): `Input` and `Output` are JSON
 * texts, and a failed execution carries `Error` and `Cause` instead of `Output`.
 */
export const mapExecutionRecord = z.looseObject({
  ExecutionArn: z.string().optional(),
  Name: z.string().optional(),
  Status: z.string(),
  Input: z.string().optional(),
  Output: z.string().optional(),
  Error: z.string().optional(),
  Cause: z.string().optional(),
});
export type MapExecutionRecord = z.infer<typeof mapExecutionRecord>;

export type MapResultStatus = 'SUCCEEDED' | 'FAILED' | 'PENDING';

/** A child execution with the status of the result file that listed it. */
export interface ListedExecution {
  file: MapResultStatus;
  record: MapExecutionRecord;
}

/** Longest reason shown for a failed child execution; the stored digest keeps its `Error` and `Cause` whole. */
export const EXECUTION_FAILURE_REASON_LIMIT = 300;

/** The error document a Lambda runtime writes for a function error; Step Functions passes it on as `Cause`. */
const lambdaErrorDocument = z.looseObject({ errorType: z.string().optional(), errorMessage: z.string() });
/** A failed execution's error output, as a parent that started it receives it in `Cause`. */
const executionError = z.looseObject({ Error: z.string().optional(), Cause: z.string().optional() });

/** The readable parts of a `Cause`: the error type and message of the JSON it holds, or the text itself. */
function causeParts(cause: string, depth = 0): (string | undefined)[] {
  let value: unknown;
  try {
    value = JSON.parse(cause);
  } catch {
    return [cause];
  }
  const lambda = lambdaErrorDocument.safeParse(value);
  if (lambda.success) return [lambda.data.errorType, lambda.data.errorMessage];
  const nested = executionError.safeParse(value);
  if (nested.success && (nested.data.Error ?? nested.data.Cause) !== undefined && depth < 3) {
    return [nested.data.Error, ...causeParts(nested.data.Cause ?? '', depth + 1)];
  }
  return [cause];
}

/**
 * A failed child execution's `Error` and `Cause` as one line of at most
 * {@link EXECUTION_FAILURE_REASON_LIMIT} characters. A Lambda task's `Cause` is the runtime's JSON
 * error document (`errorType`, `errorMessage`, and a stack trace as `trace` from Node.js or
 * `stackTrace` from Python), and Step Functions sets `Error` to the same `errorType`: the line keeps
 * the type once and the message, and leaves the stack trace to the stored digest. A `Cause` that is
 * another execution's error output (`{"Error", "Cause"}`) is read the same way; any other `Cause`
 * is shown as its text, on one line.
 *
 * @example
 * describeExecutionFailure('UserInputError', '{"errorType":"UserInputError","errorMessage":"no run id","trace":["…"]}')
 * // 'UserInputError: no run id'
 */
export function describeExecutionFailure(error: string | undefined, cause: string | undefined): string {
  const parts = [error, ...(cause === undefined ? [] : causeParts(cause))]
    .map((part) => part?.replace(/\s+/g, ' ').trim() ?? '')
    .filter((part) => part !== '');
  const line = parts.filter((part, index) => part !== parts[index - 1]).join(': ');
  return line.length <= EXECUTION_FAILURE_REASON_LIMIT
    ? line
    : `${line.slice(0, EXECUTION_FAILURE_REASON_LIMIT - 1)}…`;
}

const END_OF_INPUT = 'Unexpected end of JSON input';

/**
 * The value of a JSON text, or a {@link UserInputError} naming `what` (the S3 object, or the field
 * that holds the text) and what is wrong: empty; cut short (V8 stops at its end, with messages that
 * differ between Node versions); or not valid JSON at a position V8 names.
 *
 * @example parseJsonText('[1,', 'the plan s3://b/k') // throws "the plan s3://b/k is not valid JSON: it ends at position 3 before its value is complete (…)"
 */
export function parseJsonText(text: string, what: string): unknown {
  if (text.trim() === '') throw new UserInputError(`${what} is empty`);
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /\bposition (\d+)/.exec(message)?.[1];
    const end = text.trimEnd().length;
    const cut = message === END_OF_INPUT || (position !== undefined && Number(position) >= end);
    throw new UserInputError(
      `${what} is not valid JSON: ${cut ? `it ends at position ${end} before its value is complete (${message})` : message}`,
    );
  }
}

function parsed<T>(schema: z.ZodType<T>, text: string, where: string): T {
  const result = schema.safeParse(parseJsonText(text, where));
  if (!result.success) {
    const issue = result.error.issues[0] as z.core.$ZodIssue;
    throw new UserInputError(`${where}: ${jsonPath(issue.path)}: ${issue.message}`);
  }
  return result.data;
}

/** An S3 object's text, as it is: an absent body is an empty text. */
async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await response.Body?.transformToString('utf8')) ?? '';
}

/**
 * The JSON value of an S3 object; an empty or absent body, or text that is not JSON, is an error
 * naming the object (`what` says which one it is: "the plan", "the report"), never "no results".
 *
 * @example await readJson(s3, 'bucket', 'organization/runs/r1/plan.json', 'the plan')
 */
export async function readJson(s3: S3Client, bucket: string, key: string, what: string): Promise<unknown> {
  return parseJsonText(await readText(s3, bucket, key), `${what} s3://${bucket}/${key}`);
}

/**
 * Every child execution the Map Run's result files list, read through its manifest.
 *
 * @example
 * const executions = await readMapResults(s3, { Bucket, Key }); // [{ file: 'SUCCEEDED', record }, …]
 */
export async function readMapResults(
  s3: S3Client,
  manifest: { Bucket: string; Key: string },
): Promise<ListedExecution[]> {
  const { DestinationBucket, ResultFiles } = parsed(
    mapResultManifest,
    await readText(s3, manifest.Bucket, manifest.Key),
    `the Map Run manifest s3://${manifest.Bucket}/${manifest.Key}`,
  );
  const files = (['SUCCEEDED', 'FAILED', 'PENDING'] as const).flatMap((status) =>
    ResultFiles[status].map((file) => ({ status, key: file.Key })),
  );
  const listed = await Promise.all(
    files.map(async ({ status, key }) => {
      const records = parsed(
        z.array(mapExecutionRecord),
        await readText(s3, DestinationBucket, key),
        `the Map Run result file s3://${DestinationBucket}/${key}`,
      );
      return records.map((record): ListedExecution => ({ file: status, record }));
    }),
  );
  return listed.flat();
}
