import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { configureApp } from '../../infra/scanner-app.ts';
import type { ScannerStack } from '../../infra/scanner-stack.ts';

// Unit tests skip esbuild; `npm test` runs the real bundling through `cdk synth`.
const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

function synthesize(context: Record<string, unknown>): { app: App; stack: ScannerStack; template: Template } {
  const app = new App({ context: { ...SKIP_BUNDLING, alertEmails: 'secops@example.com', ...context } });
  const stack = configureApp(app);
  return { app, stack, template: Template.fromStack(stack) };
}

function roleStatements(template: Template): Array<Record<string, unknown>> {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement,
  );
}

function scanEnvironment(template: Template): Record<string, unknown> {
  const [scan] = Object.values(template.findResources('AWS::Lambda::Function')).filter(
    (fn) => fn.Properties.Description === 'Nightly and on-demand SageMaker PrivateLink compliance scan',
  );
  return scan?.Properties.Environment.Variables;
}

describe('the securityHub context value', () => {
  it('sets SECURITY_HUB and lets the scan role import into its own account’s default product and update findings in its own hub only', () => {
    // Act
    const { template } = synthesize({ securityHub: 'true' });

    // Assess
    expect(scanEnvironment(template).SECURITY_HUB).toBe('true');
    const statements = roleStatements(template).filter((statement) =>
      JSON.stringify(statement).includes('securityhub'),
    );
    expect(statements).toEqual([
      {
        Sid: 'ImportFindingsIntoOwnSecurityHub',
        Effect: 'Allow',
        Action: 'securityhub:BatchImportFindings',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':securityhub:*:',
              { Ref: 'AWS::AccountId' },
              ':product/',
              { Ref: 'AWS::AccountId' },
              '/default',
            ],
          ],
        },
      },
      {
        Sid: 'SetWorkflowWhenMuteStateChanges',
        Effect: 'Allow',
        Action: 'securityhub:BatchUpdateFindings',
        Resource: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':securityhub:*:', { Ref: 'AWS::AccountId' }, ':hub/default'],
          ],
        },
      },
    ]);
  });

  it('passes the cdk-nag checks with the import permission acknowledged', () => {
    // Prepare
    const { app } = synthesize({ securityHub: 'true' });

    // Act
    const synth = () => app.synth();

    // Assess
    expect(synth).not.toThrow();
  });

  it('is off by default: no SECURITY_HUB and no Security Hub permission', () => {
    // Act
    const { template } = synthesize({});

    // Assess
    expect(scanEnvironment(template)).not.toHaveProperty('SECURITY_HUB');
    expect(JSON.stringify(roleStatements(template))).not.toContain('securityhub');
  });

  it('rejects a value that is not true or false, naming the key', () => {
    // Act
    const build = () => synthesize({ securityHub: 'yes' });

    // Assess
    expect(build).toThrow(/securityHub: expected true or false/);
  });
});

describe('the chatNotifications context value', () => {
  it('sets CHAT_NOTIFICATIONS only when on', () => {
    // Act
    const on = synthesize({ chatNotifications: 'true' }).template;
    const off = synthesize({}).template;

    // Assess
    expect(scanEnvironment(on).CHAT_NOTIFICATIONS).toBe('true');
    expect(scanEnvironment(off)).not.toHaveProperty('CHAT_NOTIFICATIONS');
  });
});
