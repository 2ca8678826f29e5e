import { type CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { UserInputError } from '../model/errors.ts';
import { describeStoreError } from './store.ts';

/** The output of the scanner stack that names its reports bucket (infra/scanner-stack.ts). */
export const REPORTS_BUCKET_OUTPUT = 'ReportsBucketName';

/**
 * The reports bucket of a deployed scanner stack, from its `ReportsBucketName` output: one
 * `DescribeStacks` call, so nobody has to copy the generated bucket name around.
 *
 * @example await reportsBucketOfStack(new CloudFormationClient({}), 'SageMakerComplianceScanner')
 */
export async function reportsBucketOfStack(client: CloudFormationClient, stackName: string): Promise<string> {
  let stacks: Stack[] | undefined;
  try {
    stacks = (await client.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks;
  } catch (error) {
    throw new UserInputError(
      `--stack ${stackName}: cannot describe the stack (${describeStoreError(error)})`,
    );
  }
  const outputs = stacks?.[0]?.Outputs ?? [];
  const bucket = outputs.find((output) => output.OutputKey === REPORTS_BUCKET_OUTPUT)?.OutputValue;
  if (bucket === undefined || bucket === '') {
    throw new UserInputError(
      `--stack ${stackName}: the stack has no ${REPORTS_BUCKET_OUTPUT} output (is it the scanner stack?); give --bucket instead`,
    );
  }
  return bucket;
}
