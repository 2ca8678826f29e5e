/**
 * Regions, and accounts of a multi-account scan, read in parallel unless told otherwise. Apart from the collectors, so that the CLI can
 * show and check it without loading the AWS SDK.
 */
export const DEFAULT_REGION_CONCURRENCY = 4;
export const DEFAULT_ACCOUNT_CONCURRENCY = 8;
