import { describe, expect, it } from 'vitest';
import { regionsOf, scopeSnapshot } from '../../src/engine/scope.ts';
import { inventory, region } from '../support/inventory.ts';

describe('scopeSnapshot', () => {
  it('keeps the whole snapshot when no regions are requested', () => {
    // Prepare
    const snapshot = inventory([region('us-east-1'), region('eu-west-1')]);

    // Act
    const scoped = scopeSnapshot(snapshot, undefined);

    // Assess
    expect(scoped).toBe(snapshot);
    expect(regionsOf(scoped)).toEqual(['eu-west-1', 'us-east-1']);
  });

  it('cuts to the requested regions and keeps a region the snapshot lacks as an error', () => {
    // Prepare
    const snapshot = inventory([region('us-east-1'), region('eu-west-1')]);

    // Act
    const scoped = scopeSnapshot(snapshot, ['eu-west-1', 'ap-south-1']);

    // Assess
    const regions = scoped.accounts[0]?.regions ?? [];
    expect(regions.map((item) => item.region)).toEqual(['eu-west-1', 'ap-south-1']);
    expect(regions[0]).toBe(snapshot.accounts[0]?.regions[1]);
    expect(regions[1]).toEqual({
      region: 'ap-south-1',
      collectionErrors: [{ section: '*', code: 'NotInSnapshot', message: expect.any(String) }],
    });
    expect(snapshot.accounts[0]?.regions).toHaveLength(2);
  });
});
