/** How many regions of an account are read at once: a number, or `all` of them. */
export type RegionConcurrency = number | 'all';

/**
 * Regions, and accounts of a multi-account scan, read in parallel unless told otherwise. Apart from the collectors, so that the CLI can
 * show and check it without loading the AWS SDK. Every region at once: each has its own EC2 and
 * SageMaker buckets, and the pacing, not the number of regions in flight, keeps each within its rate.
 */
export const DEFAULT_REGION_CONCURRENCY: RegionConcurrency = 'all';
export const DEFAULT_ACCOUNT_CONCURRENCY = 8;

/**
 * The share of each documented AWS request rate a scan may use. The Lambda runs unattended, every
 * night, beside the account's other tools: half leaves them the other half. A CLI run is watched
 * and usually occasional, so it may take more.
 */
export const DEFAULT_LAMBDA_RATE_SHARE = 0.5;
export const DEFAULT_CLI_RATE_SHARE = 0.8;
