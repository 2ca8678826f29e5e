import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserInputError } from '../../src/model/errors.ts';
import { DEFAULT_MAX_INPUT_BYTES, firstInvalidUtf8Offset } from '../../src/model/input-file.ts';
import { loadSnapshot, parseSnapshot } from '../../src/model/snapshot.ts';
import { inventory, region, vpc } from '../support/inventory.ts';

const DIR = mkdtempSync(join(tmpdir(), 'snapshot-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

function write(name: string, content: string | Uint8Array): string {
  const path = join(DIR, name);
  writeFileSync(path, content);
  return path;
}

const VALID = inventory([region('eu-west-1', { vpcs: [vpc('vpc-1')] })]);

describe('snapshot validation: each account, region and resource once', () => {
  it.each([
    [
      'an account listed twice',
      { ...VALID, accounts: [...VALID.accounts, ...VALID.accounts] },
      '$.accounts[1].accountId: account 111122223333 is listed twice (first at $.accounts[0])',
    ],
    [
      'a region listed twice',
      inventory([region('eu-west-1'), region('us-east-1'), region('eu-west-1')]),
      '$.accounts[0].regions[2].region: region eu-west-1 is listed twice (first at $.accounts[0].regions[0])',
    ],
    [
      'a VPC listed twice',
      inventory([region('eu-west-1', { vpcs: [vpc('vpc-1'), vpc('vpc-2'), vpc('vpc-1')] })]),
      '$.accounts[0].regions[0].vpcs[2].VpcId: VPC vpc-1 is listed twice (first at $.accounts[0].regions[0].vpcs[0])',
    ],
    [
      'an endpoint listed twice',
      inventory([
        region('eu-west-1', {
          endpoints: [
            { VpcEndpointId: 'vpce-1', VpcId: 'vpc-1' },
            { VpcEndpointId: 'vpce-1', VpcId: 'vpc-2' },
          ],
        }),
      ]),
      '$.accounts[0].regions[0].vpcEndpoints[1].VpcEndpointId: endpoint vpce-1 is listed twice',
    ],
    [
      'a role listed twice',
      inventory([], {
        account: {
          iam: {
            RoleDetailList: [
              { RoleName: 'ml', Arn: 'arn:aws:iam::111122223333:role/ml' },
              { RoleName: 'ml', Arn: 'arn:aws:iam::111122223333:role/ml' },
            ],
          },
        },
      }),
      '$.accounts[0].iam.RoleDetailList[1].Arn: ARN arn:aws:iam::111122223333:role/ml is listed twice',
    ],
  ])('rejects %s, naming it and where', (_name, data, message) => {
    // Act
    const parse = () => parseSnapshot(data, 'evidence.json');

    // Assess
    expect(parse).toThrow(UserInputError);
    expect(parse).toThrow(`evidence.json: invalid snapshot at ${message}`);
  });

  it('accepts the same region in two accounts and the same VPC id in two regions', () => {
    // Prepare
    const data = {
      ...VALID,
      accounts: [
        { accountId: '111122223333', regions: [region('eu-west-1', { vpcs: [vpc('vpc-1')] })] },
        {
          accountId: '444455556666',
          regions: [
            region('eu-west-1', { vpcs: [vpc('vpc-1')] }),
            region('us-east-1', { vpcs: [vpc('vpc-1')] }),
          ],
        },
      ],
    };

    // Act
    const parsed = parseSnapshot(data, 'evidence.json');

    // Assess
    expect(parsed.accounts).toHaveLength(2);
  });
});

describe('snapshot validation: the organization section', () => {
  const full = { id: 'p-FullAWSAccess', name: 'FullAWSAccess', content: '{"Statement":[]}' };
  const organizationWith = (scpPath: unknown[]) =>
    inventory([], {
      account: {
        organization: {
          membership: 'member',
          organizationId: 'o-a1b2c3d4e5',
          managementAccountId: '999988887777',
          scpsEnabled: true,
          scpPath,
        } as never,
      },
    });

  it('accepts the path from the root through an OU to the account, and an account of no Organization', () => {
    // Prepare
    const path = [
      { type: 'ROOT', id: 'r-ab12', policies: [full] },
      { type: 'ORGANIZATIONAL_UNIT', id: 'ou-ab12-cd34ef56', policies: [] },
      { type: 'ACCOUNT', id: '111122223333', policies: [full] },
    ];

    // Act
    const parsed = parseSnapshot(organizationWith(path), 'evidence.json');
    const none = parseSnapshot(
      inventory([], { account: { organization: { membership: 'none' } } }),
      'evidence.json',
    );

    // Assess
    expect(parsed.accounts[0]?.organization).toMatchObject({ scpPath: path });
    expect(none.accounts[0]?.organization).toEqual({ membership: 'none' });
  });

  it.each([
    [
      'a path that ends at another account',
      [
        { type: 'ROOT', id: 'r-ab12', policies: [] },
        { type: 'ACCOUNT', id: '444455556666', policies: [] },
      ],
      '$.accounts[0].organization.scpPath[1].id: the path ends at 444455556666, not at the account 111122223333',
    ],
    [
      'a path that does not start at the root',
      [
        { type: 'ORGANIZATIONAL_UNIT', id: 'ou-ab12-cd34ef56', policies: [] },
        { type: 'ACCOUNT', id: '111122223333', policies: [] },
      ],
      '$.accounts[0].organization.scpPath[0].type: expected ROOT at this place of the path',
    ],
    [
      'a policy id that is not one',
      [
        { type: 'ROOT', id: 'r-ab12', policies: [{ ...full, id: 'FullAWSAccess' }] },
        { type: 'ACCOUNT', id: '111122223333', policies: [] },
      ],
      '$.accounts[0].organization.scpPath[0].policies[0].id: expected a policy id',
    ],
  ])('rejects %s, naming where', (_name, path, message) => {
    // Act
    const parse = () => parseSnapshot(organizationWith(path), 'evidence.json');

    // Assess
    expect(parse).toThrow(`evidence.json: invalid snapshot at ${message}`);
  });
});

describe('reading an evidence file', () => {
  it('reads a UTF-8 file with multi-byte names', async () => {
    // Prepare
    const path = write(
      'names.json',
      JSON.stringify(inventory([region('eu-west-1', { vpcs: [vpc('vpc-données-数据-🙂')] })])),
    );

    // Act
    const parsed = await loadSnapshot(path);

    // Assess
    expect(parsed.accounts[0]?.regions[0]?.vpcs?.[0]?.VpcId).toBe('vpc-données-数据-🙂');
  });

  it('rejects invalid UTF-8 naming the byte offset, instead of reading U+FFFD', async () => {
    // Prepare: the name's é is Latin-1 (0xE9), not UTF-8
    const [before, after] = JSON.stringify(
      inventory([region('eu-west-1', { vpcs: [vpc('vpc-caf#')] })]),
    ).split('#') as [string, string];
    const offset = Buffer.byteLength(before);
    const bytes = Buffer.concat([Buffer.from(before), Buffer.from([0xe9]), Buffer.from(after)]);
    const path = write('latin1.json', bytes);

    // Act
    const load = loadSnapshot(path);

    // Assess
    await expect(load).rejects.toThrow(UserInputError);
    await expect(load).rejects.toThrow(
      `${path}: the snapshot file is not valid UTF-8 (byte offset ${offset})`,
    );
  });

  it('refuses a file above the limit from its size, before reading it', async () => {
    // Prepare: sparse, so the test writes nothing to disk; reading it would take 600 MB
    const path = write('huge.json', '');
    truncateSync(path, 600 * 1024 * 1024);

    // Act
    const load = loadSnapshot(path);

    // Assess
    await expect(load).rejects.toThrow(
      `${path}: the snapshot file is 629145600 bytes, above the limit of ${DEFAULT_MAX_INPUT_BYTES} bytes (raise it with --max-input-bytes)`,
    );
  });

  it('takes a lower limit, and accepts a file of exactly that size', async () => {
    // Prepare
    const text = JSON.stringify(VALID);
    const path = write('small.json', text);

    // Act
    const atLimit = await loadSnapshot(path, text.length);
    const below = loadSnapshot(path, text.length - 1);

    // Assess
    expect(atLimit.accounts).toHaveLength(1);
    await expect(below).rejects.toThrow(
      `is ${text.length} bytes, above the limit of ${text.length - 1} bytes`,
    );
  });

  it('names the file and the error code when it cannot be read', async () => {
    // Act
    const load = loadSnapshot(join(DIR, 'absent.json'));

    // Assess
    await expect(load).rejects.toThrow(`${join(DIR, 'absent.json')}: cannot read the snapshot file (ENOENT)`);
  });
});

describe('firstInvalidUtf8Offset', () => {
  it.each([
    ['ASCII', [0x41, 0x42], -1],
    ['two, three and four bytes', [0xc3, 0xa9, 0xe6, 0x95, 0xb0, 0xf0, 0x9f, 0x99, 0x82], -1],
    ['a lone continuation byte', [0x41, 0x80], 1],
    ['a Latin-1 é', [0x63, 0x61, 0x66, 0xe9], 3],
    ['an overlong two-byte form', [0xc0, 0x80], 0],
    ['an overlong three-byte form', [0x41, 0xe0, 0x80, 0x80], 1],
    ['an encoded surrogate', [0xed, 0xa0, 0x80], 0],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['a sequence cut at the end', [0x41, 0xe6, 0x95], 1],
    ['a sequence cut by ASCII', [0xe6, 0x41, 0x95], 0],
    ['0xFF', [0xff], 0],
  ])('%s: %j', (_name, bytes, expected) => {
    // Act
    const offset = firstInvalidUtf8Offset(Uint8Array.from(bytes));

    // Assess
    expect(offset).toBe(expected);
  });

  it('agrees with the fatal TextDecoder on random bytes, and everything before the offset decodes', () => {
    // Prepare: a fixed linear congruential sequence, biased towards bytes that start sequences
    let seed = 12345;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const decodes = (bytes: Uint8Array) => {
      try {
        decoder.decode(bytes);
        return true;
      } catch {
        return false;
      }
    };

    // Act
    const disagreements: number[][] = [];
    for (let sample = 0; sample < 20_000; sample += 1) {
      const bytes = Uint8Array.from({ length: 1 + (next() % 6) }, () =>
        next() % 3 === 0 ? next() % 128 : 0x80 + (next() % 128),
      );
      const offset = firstInvalidUtf8Offset(bytes);
      const prefixDecodes = offset < 0 || decodes(bytes.subarray(0, offset));
      if (offset < 0 !== decodes(bytes) || !prefixDecodes) disagreements.push([...bytes]);
    }

    // Assess
    expect(disagreements).toEqual([]);
  });
});
