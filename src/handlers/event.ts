import * as z from 'zod';
import { NOTIFY_MODES, type NotifyMode } from '../config/env.ts';
import { parseCidrs, parseRegions } from '../config/parse.ts';
import { selectRules } from '../engine/select.ts';
import { UserInputError } from '../model/errors.ts';
import {
  ORGANIZATION_ACCOUNT_EVENT,
  type OrganizationAccountEvent,
  organizationAccountEvent,
} from '../model/organization-run.ts';
import { jsonPath } from '../model/snapshot.ts';
import { parseRunPayload } from './run-payload.ts';

/** What one invocation asks for, on top of the deployed configuration. */
export interface ScanRequest {
  trigger: 'schedule' | 'manual' | 'organization';
  /** One account of an Organization run (the Distributed Map's item), scanned through its member role. */
  organizationAccount?: OrganizationAccountEvent;
  regions?: string[] | 'all';
  rules?: string[];
  allowedSourceCidrs?: string[];
  skipDefaultVpcs?: boolean;
  dryRun: boolean;
  notify?: NotifyMode;
}

/**
 * An EventBridge rule's event. Only the fields that identify a schedule are checked: EventBridge
 * adds envelope fields over time (`replay-name`), and the schedule carries no options.
 */
const scheduledEvent = z.looseObject({
  source: z.literal('aws.events', { error: 'expected "aws.events" (an EventBridge scheduled rule)' }),
  'detail-type': z.literal('Scheduled Event', { error: 'expected "Scheduled Event"' }),
});

/** A manual invocation, or an EventBridge Scheduler target input (sent as-is, without envelope). */
const manualPayload = z
  .strictObject({
    regions: z.union([z.literal('all'), z.array(z.string()).min(1)], {
      error: 'expected "all" or a non-empty array of region names',
    }),
    rules: z.array(z.string(), { error: 'expected an array of rule ids' }),
    allowedSourceCidrs: z.array(z.string(), { error: 'expected an array of CIDRs' }),
    skipDefaultVpcs: z.boolean({ error: 'expected true or false' }),
    dryRun: z.boolean({ error: 'expected true or false' }),
    notify: z.enum(NOTIFY_MODES, {
      error: `expected one of ${NOTIFY_MODES.map((m) => `"${m}"`).join(', ')}`,
    }),
  })
  .partial();

function fail(error: z.ZodError): never {
  const issue = error.issues[0] as z.core.$ZodIssue;
  if (issue.code === 'unrecognized_keys') {
    throw new UserInputError(
      `payload: unknown field ${issue.keys.map((key) => `"${key}"`).join(', ')} (allowed: ${Object.keys(manualPayload.shape).join(', ')})`,
    );
  }
  const field = issue.path.length === 0 ? 'payload' : jsonPath(issue.path).slice(2);
  throw new UserInputError(`${field}: ${issue.message}`);
}

/**
 * A schedule runs the deployed configuration, always: options beside an EventBridge envelope are
 * a mistake (or a disguise), and honouring or dropping them silently would publish and move the
 * baseline on a scan that nobody asked for.
 */
function rejectOptionsOnSchedule(event: object): void {
  const { detail } = event as { detail?: unknown };
  const carriers: [string, object][] = [['', event]];
  if (typeof detail === 'object' && detail !== null) carriers.push(['detail.', detail]);
  const options = carriers.flatMap(([prefix, carrier]) =>
    Object.keys(manualPayload.shape)
      .filter((option) => Object.hasOwn(carrier, option))
      .map((option) => `${prefix}${option}`),
  );
  if (options.length > 0) {
    throw new UserInputError(
      `payload: ${options.map((option) => `"${option}"`).join(', ')} cannot be combined with an EventBridge scheduled event (source "aws.events"): a schedule scans with the deployed configuration; invoke without source/detail-type to override it`,
    );
  }
}

/**
 * Validates the invocation event strictly: an unknown field or a wrong type is a
 * {@link UserInputError} whose message starts with the field at fault.
 *
 * @example
 * parseScanEvent({ regions: ['eu-west-1'], dryRun: true }); // { trigger: 'manual', regions: [...], dryRun: true }
 */
export function parseScanEvent(event: unknown): ScanRequest {
  // `aws lambda invoke` without --payload delivers an empty object; a test console may send null.
  const input = event ?? {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new UserInputError('payload: expected a JSON object');
  }
  if ('kind' in input && input.kind === ORGANIZATION_ACCOUNT_EVENT) {
    return {
      trigger: 'organization',
      organizationAccount: parseRunPayload(organizationAccountEvent, input, 'organization-account event'),
      dryRun: false,
    };
  }
  if ('source' in input || 'detail-type' in input) {
    const parsed = scheduledEvent.safeParse(input);
    if (!parsed.success) fail(parsed.error);
    rejectOptionsOnSchedule(input);
    return { trigger: 'schedule', dryRun: false };
  }
  const parsed = manualPayload.safeParse(input);
  if (!parsed.success) fail(parsed.error);
  const payload = parsed.data;
  if (payload.rules !== undefined) selectRules(payload.rules, 'rules');
  return {
    trigger: 'manual',
    regions:
      payload.regions === undefined || payload.regions === 'all'
        ? payload.regions
        : parseRegions(payload.regions, 'regions'),
    rules: payload.rules,
    allowedSourceCidrs:
      payload.allowedSourceCidrs === undefined
        ? undefined
        : parseCidrs(payload.allowedSourceCidrs, 'allowedSourceCidrs'),
    skipDefaultVpcs: payload.skipDefaultVpcs,
    dryRun: payload.dryRun === true,
    notify: payload.notify,
  };
}
