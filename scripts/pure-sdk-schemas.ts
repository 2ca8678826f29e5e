import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

/**
 * The AWS SDK's generated schema files (`dist-es/schemas/schemas_0.js`, SDK 3.9xx and later) key
 * their member traits with computed properties, `{ [_xN]: _vSp }`, where `_xN` is a file-level
 * `const _xN = "xmlName"`. esbuild cannot prove a computed key free of side effects, so it keeps
 * every schema of the service: 540 KiB of EC2 shapes for the 8 operations the scanner calls
 * (aws/aws-sdk-js-v3#7607). Writing each such key as the string it names gives the same objects
 * and lets the bundler drop the shapes nothing uses.
 */
export const SDK_SCHEMA_FILE =
  /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;

/**
 * Replaces each computed key `[_name]:` by the string literal the file's `const _name = "…";`
 * binds. Names bound otherwise are left computed. So is `"__proto__"`: as a literal key it would
 * set the object's prototype, where the computed key makes an own property.
 *
 * @example
 * inlineComputedKeys('const _a = "xmlName";\nexport var S = [{ [_a]: 1 }];');
 * // 'const _a = "xmlName";\nexport var S = [{ "xmlName": 1 }];'
 */
export function inlineComputedKeys(source: string): string {
  const strings = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)) {
    if (literal !== '"__proto__"') strings.set(name as string, literal as string);
  }
  return source.replace(/\[(_\w+)\]:/g, (key, name: string) => {
    const literal = strings.get(name);
    return literal === undefined ? key : `${literal}:`;
  });
}

/** The esbuild plugin that applies {@link inlineComputedKeys} to the SDK's schema files. */
export const pureSdkSchemas: Plugin = {
  name: 'pure-sdk-schemas',
  setup(build) {
    build.onLoad({ filter: SDK_SCHEMA_FILE }, async ({ path }) => ({
      contents: inlineComputedKeys(await readFile(path, 'utf8')),
      loader: 'js',
    }));
  },
};
