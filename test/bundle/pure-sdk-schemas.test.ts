import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inlineComputedKeys, SDK_SCHEMA_FILE } from '../../scripts/pure-sdk-schemas.ts';

/** Evaluates a module's text and answers its exports. */
async function exportsOf(source: string): Promise<Record<string, unknown>> {
  return import(`data:text/javascript,${encodeURIComponent(source)}`) as Promise<Record<string, unknown>>;
}

const FIXTURE = [
  'const _xN = "xmlName";',
  'const _eQN = "ec2QueryName";',
  'const _p = "__proto__";',
  'let _late = "late";',
  'export var Vpc$ = [3, "com.amazonaws.ec2", "Vpc", 0, ["VpcId"], [[0, { [_eQN]: `VpcId`, [_xN]: "vpcId" }]]];',
  'export var Odd$ = [{ [_p]: 1 }, { [_late]: 2 }];',
].join('\n');

describe('inlineComputedKeys', () => {
  it('writes computed keys bound to file-level string constants as literals, giving the same objects', async () => {
    // Act
    const inlined = inlineComputedKeys(FIXTURE);

    // Assess
    expect(inlined).toContain('[[0, { "ec2QueryName": `VpcId`, "xmlName": "vpcId" }]]');
    expect(await exportsOf(inlined)).toEqual(await exportsOf(FIXTURE));
  });

  it('keeps "__proto__" and names not bound by a const computed, where a literal would change the object', async () => {
    // Act
    const inlined = inlineComputedKeys(FIXTURE);
    const { Odd$: odd } = (await exportsOf(inlined)) as { Odd$: [object, object] };

    // Assess
    expect(inlined).toContain('export var Odd$ = [{ [_p]: 1 }, { [_late]: 2 }];');
    expect(Object.hasOwn(odd[0], '__proto__')).toBe(true);
  });

  it('leaves no computed key in the EC2 client schemas the scanner bundles', async () => {
    // Prepare
    const require = createRequire(import.meta.url);
    const clientDir = dirname(require.resolve('@aws-sdk/client-ec2/package.json'));
    const path = join(clientDir, 'dist-es/schemas/schemas_0.js');
    const source = await readFile(path, 'utf8');

    // Act
    const inlined = inlineComputedKeys(source);

    // Assess
    expect(SDK_SCHEMA_FILE.test(path)).toBe(true);
    expect(source).toMatch(/\[_\w+\]:/);
    expect(inlined).not.toMatch(/\[_\w+\]:/);
  });
});
