import { countedFailures, isCountedFailure, isNewFailure, type Report } from '../model/report.ts';
import type { Result } from '../model/result.ts';
import { formatSubject, hasHistory, type MessagePart } from './email.ts';
import { printable } from './sanitize.ts';

/** Findings listed per section before "and N more": a chat message is read at a glance. */
export const CHAT_LIST_LIMIT = 10;

/** Characters of one listed finding; the report holds the rest. */
const LINE_LIMIT = 400;

/** Amazon Q Developer in chat applications custom notification (event format version 1.0). */
export interface ChatNotification {
  version: '1.0';
  source: 'custom';
  id: string;
  content: {
    textType: 'client-markdown';
    title: string;
    description: string;
    nextSteps?: string[];
    keywords: string[];
  };
  metadata: {
    threadId: string;
    summary: string;
    eventType: string;
    relatedResources: string[];
    additionalContext: Record<string, string>;
  };
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** Backticks in AWS names would end the code span: they become quotes. */
function code(text: string): string {
  return `\`${printable(text).replaceAll('`', "'")}\``;
}

function line(result: Result): string {
  const text = `• *${result.severity}* ${code(result.ruleId)} ${code(result.resourceId)} (${printable(result.region)}): ${printable(result.message)} Fix: ${printable(result.remediation)}`;
  return clip(text, LINE_LIMIT);
}

function section(heading: string, results: readonly Result[]): string[] {
  if (results.length === 0) return [];
  const shown = results.slice(0, CHAT_LIST_LIMIT).map(line);
  const more = results.length - shown.length;
  return [
    `*${heading} (${results.length})*`,
    ...shown,
    ...(more > 0 ? [`…and ${more} more in the report`] : []),
  ];
}

/**
 * The chat variant of a notification part: a short markdown digest that lists the new and
 * regressed failures (every counted failure when there is no previous scan to compare with) and
 * the checks that could not run, each with its resource and fix.
 *
 * @example JSON.stringify(chatNotification(report, singlePart(report)))
 */
export function chatNotification(report: Report, part: MessagePart): ChatNotification {
  const history = hasHistory(report);
  const problems = part.results.filter(history ? isNewFailure : isCountedFailure);
  const errors = part.results.filter((result) => result.status === 'ERROR');
  const { pass, error, muted } = report.summary;
  const lines = [
    `${pass} passing, ${countedFailures(report)} failing${muted > 0 ? ` (+${muted} muted)` : ''}, ${error} could not be checked; accounts ${report.scope.accounts.join(', ') || '(none)'}, regions ${report.scope.regions.join(', ') || '(none)'}.${report.complete ? '' : ' *Incomplete scan.*'}`,
    ...(history
      ? [
          `Since the previous scan: ${report.results.filter(isNewFailure).length} new or regressed, ${report.resolved.length} resolved.`,
        ]
      : []),
    ...section(history ? 'New or regressed' : 'Failing', problems),
    ...section('Could not check', errors),
    ...(part.count > 1 ? [`Part ${part.number} of ${part.count}.`] : []),
  ];
  const accountId = report.scope.accounts.join(',') || 'unknown';
  return {
    version: '1.0',
    source: 'custom',
    id: `${report.scanId}/${part.number}`,
    content: {
      textType: 'client-markdown',
      title: formatSubject(report, part),
      description: lines.join('\n'),
      ...(report.storedAt ? { nextSteps: [`Full report: ${report.storedAt}`] } : {}),
      keywords: ['sagemaker-compliance', accountId],
    },
    metadata: {
      threadId: `sagemaker-compliance-${accountId}`,
      summary: formatSubject(report, part),
      eventType: 'SageMakerComplianceScan',
      relatedResources: [...problems, ...errors]
        .slice(0, CHAT_LIST_LIMIT * 2)
        .map((result) => result.resourceArn ?? result.resourceId),
      additionalContext: { scanId: report.scanId, accountId },
    },
  };
}
