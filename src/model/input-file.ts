import { open } from 'node:fs/promises';
import { UserInputError } from './errors.ts';

/**
 * The largest evidence file read by default: a snapshot of 10,000 VPCs and 30,000 IAM items is
 * far below it, and parsing takes a few times the file's size in memory.
 */
export const DEFAULT_MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** The largest limit accepted: V8 cannot hold a longer string than about 512 Mi characters. */
export const MAX_INPUT_BYTES_LIMIT = 500 * 1024 * 1024;

/**
 * The offset of the first byte that does not start or continue a well-formed UTF-8 sequence
 * (where a decoder would put U+FFFD), or -1 when all of `bytes` is UTF-8. Follows the WHATWG
 * decoder: overlong forms, surrogates and code points above U+10FFFF are ill-formed.
 */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index] as number;
    if (lead <= 0x7f) {
      index += 1;
      continue;
    }
    let continuation: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) continuation = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      continuation = 2;
      if (lead === 0xe0) lower = 0xa0;
      if (lead === 0xed) upper = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      continuation = 3;
      if (lead === 0xf0) lower = 0x90;
      if (lead === 0xf4) upper = 0x8f;
    } else return index;
    for (let offset = 1; offset <= continuation; offset += 1) {
      const byte = bytes[index + offset];
      if (byte === undefined || byte < lower || byte > upper) return index;
      lower = 0x80;
      upper = 0xbf;
    }
    index += continuation + 1;
  }
  return -1;
}

/**
 * Reads a whole input file as UTF-8 text. The size is checked on the open file before anything
 * is read, and reading stops past the limit should the file grow meanwhile, so an oversized file
 * is refused instead of exhausting memory. Invalid UTF-8 is an error naming the byte offset, never
 * silently U+FFFD. `what` names the file in messages ("the snapshot file").
 *
 * @example
 * const text = await readInputFile('evidence.json', { what: 'the snapshot file', maxBytes: 1e6, option: '--max-input-bytes' });
 */
export async function readInputFile(
  path: string,
  options: { what: string; maxBytes: number; option?: string },
): Promise<string> {
  const { what, maxBytes, option } = options;
  const tooLarge = (size: string) =>
    new UserInputError(
      `${path}: ${what} is ${size} bytes, above the limit of ${maxBytes} bytes${option ? ` (raise it with ${option})` : ''}`,
    );
  let bytes: Buffer;
  try {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      if (size > maxBytes) throw tooLarge(String(size));
      // One byte more than the stated size, so that end of file is seen without growing; a file
      // that grows (or a pipe, of size 0) grows the buffer, up to one byte past the limit.
      let buffer = Buffer.alloc(size + 1);
      let length = 0;
      for (;;) {
        if (length === buffer.length) {
          if (length > maxBytes) throw tooLarge(`more than ${maxBytes}`);
          const grown = Buffer.alloc(Math.min(maxBytes + 1, Math.max(2 * length, 64 * 1024)));
          buffer.copy(grown, 0, 0, length);
          buffer = grown;
        }
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      if (length > maxBytes) throw tooLarge(`more than ${maxBytes}`);
      bytes = buffer.subarray(0, length);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof UserInputError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UserInputError(`${path}: cannot read ${what} (${code})`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UserInputError(
      `${path}: ${what} is not valid UTF-8 (byte offset ${firstInvalidUtf8Offset(bytes)})`,
    );
  }
}
