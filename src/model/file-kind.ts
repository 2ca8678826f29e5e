/**
 * Which of this tool's own files a parsed JSON document is, judged by the fields only that kind
 * carries, so that a file given to the wrong option is named for what it is.
 */
export function fileKindOf(data: unknown): 'report' | 'evidence' | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const fields = data as Record<string, unknown>;
  if (typeof fields.scanId === 'string' && Array.isArray(fields.results)) return 'report';
  if ('snapshotVersion' in fields && Array.isArray(fields.accounts)) return 'evidence';
  return undefined;
}
