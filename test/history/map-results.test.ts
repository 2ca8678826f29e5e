import { describe, expect, it } from 'vitest';
import { describeExecutionFailure, EXECUTION_FAILURE_REASON_LIMIT } from '../../src/history/map-results.ts';

/** What the Node.js runtime writes for a function error (AWS Lambda developer guide, "Lambda function errors in Node.js"). */
const NODE_CAUSE = JSON.stringify({
  errorType: 'UserInputError',
  errorMessage:
    'environment variable MEMBER_ROLE_NAME is not set: an organization-account event is scanned through the member role it names',
  trace: [
    'UserInputError: environment variable MEMBER_ROLE_NAME is not set: an organization-account event is scanned through the member role it names',
    '    at memberSettings (file:///var/task/index.mjs:12:3456)',
    '    at Runtime.handler (file:///var/task/index.mjs:12:7890)',
  ],
});

describe('describeExecutionFailure', () => {
  it.each([
    [
      'a Lambda function error from the Node.js runtime: the type once, the message, no stack trace',
      'UserInputError',
      NODE_CAUSE,
      'UserInputError: environment variable MEMBER_ROLE_NAME is not set: an organization-account event is scanned through the member role it names',
    ],
    [
      'a Lambda function error from the Python runtime (stackTrace, requestId)',
      'Exception',
      JSON.stringify({
        errorMessage: 'Some exception was raised.',
        errorType: 'Exception',
        requestId: '3f6b2a1e-5c4d-4e8f-9a0b-1c2d3e4f5a6b',
        stackTrace: [
          '  File "/var/task/handler.py", line 2, in handler\n    raise Exception("Some exception was raised.")\n',
        ],
      }),
      'Exception: Some exception was raised.',
    ],
    [
      'a Lambda timeout, whose error document has no type of its own',
      'Sandbox.Timedout',
      JSON.stringify({
        errorMessage:
          'RequestId: 3f6b2a1e-5c4d-4e8f-9a0b-1c2d3e4f5a6b Error: Task timed out after 900.00 seconds',
      }),
      'Sandbox.Timedout: RequestId: 3f6b2a1e-5c4d-4e8f-9a0b-1c2d3e4f5a6b Error: Task timed out after 900.00 seconds',
    ],
    [
      'a States error whose Cause names another type',
      'States.TaskFailed',
      JSON.stringify({
        errorType: 'Runtime.ExitError',
        errorMessage: 'Runtime exited with error: signal: killed',
      }),
      'States.TaskFailed: Runtime.ExitError: Runtime exited with error: signal: killed',
    ],
    [
      "another execution's error output, its own Cause a Lambda error document",
      'States.TaskFailed',
      JSON.stringify({ Error: 'UserInputError', Cause: NODE_CAUSE }),
      'States.TaskFailed: UserInputError: environment variable MEMBER_ROLE_NAME is not set: an organization-account event is scanned through the member role it names',
    ],
    [
      'a Cause of plain text, as Lambda throttling gives it',
      'Lambda.TooManyRequestsException',
      'Rate Exceeded. (Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException; Request ID: 3f6b2a1e-5c4d-4e8f-9a0b-1c2d3e4f5a6b; Proxy: null)',
      'Lambda.TooManyRequestsException: Rate Exceeded. (Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException; Request ID: 3f6b2a1e-5c4d-4e8f-9a0b-1c2d3e4f5a6b; Proxy: null)',
    ],
    [
      'JSON that is no error document, as its text',
      'States.Runtime',
      '{"detail": [1, 2]}',
      'States.Runtime: {"detail": [1, 2]}',
    ],
    [
      'plain text over several lines, on one line',
      'States.Timeout',
      'the task\n  timed out\n',
      'States.Timeout: the task timed out',
    ],
    ['an Error without a Cause', 'States.Timeout', undefined, 'States.Timeout'],
    ['empty texts, as nothing', '', '', ''],
    ['neither', undefined, undefined, ''],
  ])('reads %s', (_case, error, cause, expected) => {
    expect(describeExecutionFailure(error, cause)).toBe(expected);
  });

  it('cuts a long Cause to the limit, marking the cut', () => {
    // Prepare
    const cause = `Rate Exceeded. ${'x'.repeat(1000)}`;

    // Act
    const line = describeExecutionFailure('Lambda.TooManyRequestsException', cause);

    // Assess
    expect(line).toHaveLength(EXECUTION_FAILURE_REASON_LIMIT);
    expect(line).toBe(
      `Lambda.TooManyRequestsException: Rate Exceeded. ${'x'.repeat(EXECUTION_FAILURE_REASON_LIMIT - 49)}…`,
    );
  });
});
