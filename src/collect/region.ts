import type { InventorySection, RegionInventory, RegionSection } from '../model/inventory.ts';
import { RegionBudget } from './budget.ts';
import { collectionError } from './errors.ts';
import type { Pacer } from './pacing.ts';
import { readSections } from './read-sections.ts';
import { type AnySection, REGION_SECTION_IDS, sectionsOfScope, sectionsToRead } from './sections/index.ts';
import type { ClientName, SectionClients } from './sections/types.ts';

export interface RegionRequest {
  /** The scan's clients by service; only those of the sections read are created. */
  clients: { [C in ClientName]: (region: string) => SectionClients[C] };
  region: string;
  accountId: string;
  partition: string;
  needs: ReadonlySet<InventorySection>;
  /** When it aborts, the sections still being read become `DeadlineExceeded` errors. */
  deadline?: AbortSignal;
  /**
   * Milliseconds left before the deadline, and the pacer whose buckets the region's calls drain:
   * with both, a region whose announced calls cannot finish in time is given up early.
   */
  timing?: { timeLeftMs: () => number; pacer: Pacer };
  /** Cancels the region's requests still queued or in flight, once it is given up. */
  abandon?: (reason: Error) => void;
}

/**
 * Reads one region's sections: those the rules need, after what they depend on. A section whose
 * calls fail is left out and its error recorded. A region that does not offer SageMaker gets no
 * SageMaker calls and no SageMaker sections: the SageMaker rules skip it on its endpoint services.
 * Sections read only for others (the endpoints whose subnets are read) are not kept.
 */
export async function collectRegion(request: RegionRequest): Promise<RegionInventory> {
  const { clients, region, needs, timing } = request;
  const budget = timing && new RegionBudget({ ...timing, region });
  budget?.signal.addEventListener('abort', () => request.abandon?.(budget.signal.reason as Error), {
    once: true,
  });
  const read = new Set(sectionsToRead(needs));
  const sections: RegionSection[] = REGION_SECTION_IDS.filter((section) => needs.has(section));
  const inventory: RegionInventory = { region, sections };
  const errors = await readSections({
    sections: sectionsOfScope('region').filter((section) => read.has(section.id)) as AnySection[],
    into: inventory as unknown as Record<string, unknown>,
    client: (name) => clients[name](region),
    region,
    accountId: request.accountId,
    partition: request.partition,
    deadline: request.deadline,
    budget,
  });
  // A region given up is not judged on the part read before: every one of its results is ERROR.
  const skipped = budget?.skipped;
  if (skipped) return { region, sections, collectionErrors: [collectionError('*', skipped)] };
  for (const section of REGION_SECTION_IDS)
    if (read.has(section) && !needs.has(section)) delete inventory[section];
  if (errors.length > 0) inventory.collectionErrors = errors;
  return inventory;
}
