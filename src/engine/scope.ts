import type { Inventory } from '../model/inventory.ts';

/**
 * The snapshot cut to the requested regions. A requested region the snapshot lacks stays in scope
 * with nothing in it, so every rule reports it as ERROR instead of passing it silently.
 */
export function scopeSnapshot(inventory: Inventory, regions: readonly string[] | undefined): Inventory {
  if (regions === undefined) return inventory;
  return {
    ...inventory,
    accounts: inventory.accounts.map((account) => ({
      ...account,
      regions: regions.map(
        (name) =>
          account.regions.find((region) => region.region === name) ?? {
            region: name,
            collectionErrors: [
              { section: '*', code: 'NotInSnapshot', message: 'the snapshot holds no data for this region' },
            ],
          },
      ),
    })),
  };
}

export function regionsOf(inventory: Inventory): string[] {
  return [
    ...new Set(inventory.accounts.flatMap((account) => account.regions.map((region) => region.region))),
  ].sort();
}
