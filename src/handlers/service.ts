/**
 * The names the functions log and publish metrics under, and the stack alarms on. Apart from the
 * handlers, so that the plan and aggregate functions do not bundle the scan engine for them.
 */
export const SERVICE_NAME = 'sagemaker-compliance-scanner';
export const METRICS_NAMESPACE = 'SageMakerComplianceScanner';
/** Emitted by a scan that could list the findings topic's subscriptions; the stack alarms on 0. */
export const CONFIRMED_SUBSCRIPTIONS_METRIC = 'ConfirmedSubscriptions';
