/**
 * Regions, and accounts of a multi-account scan, read in parallel unless told otherwise. Apart from the collectors, so that the CLI can
 * show and check it without loading the AWS SDK.
 */
export const DEFAULT_REGION_CONCURRENCY = 4;
export const DEFAULT_ACCOUNT_CONCURRENCY = 8;

/**
 * The share of each documented AWS request rate a scan may use. The Lambda runs unattended, every
 * night, beside the account's other tools: half leaves them the other half. A CLI run is watched
 * and usually occasional, so it may take more.
 */
export const DEFAULT_LAMBDA_RATE_SHARE = 0.5;
export const DEFAULT_CLI_RATE_SHARE = 0.8;
