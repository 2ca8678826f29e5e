import type { CollectionError, InventorySection } from '../model/inventory.ts';
import type { RegionBudget } from './budget.ts';
import { beforeDeadline, DeadlineExceededError, NOT_FINISHED } from './deadline.ts';
import { collectionError } from './errors.ts';
import type { AnySection } from './sections/index.ts';
import type { ClientName, CollectContext, SectionClients, SectionScope } from './sections/types.ts';

/** Where and for whom one part of the inventory (an account, or one of its regions) is read. */
export interface SectionRun {
  /** The sections to read, all of one scope, each with what it requires and consults among them. */
  sections: readonly AnySection[];
  /** The account or region inventory the values go into, under each section's id. */
  into: Record<string, unknown>;
  client: <C extends ClientName>(name: C) => SectionClients[C];
  region: string;
  accountId: string;
  partition: string;
  /** When it aborts, the sections still being read become `DeadlineExceeded` errors. */
  deadline?: AbortSignal;
  /** The region's calls against the time left; once it gives the region up, what is unread is `NotScanned`. */
  budget?: RegionBudget;
}

/**
 * Reads each section once its `requires` and `consults` among `sections` have settled,
 * independent ones in parallel; a section waits for its `after` ones itself. A section whose calls fail is left out and its error recorded, so
 * that the rules needing it report ERROR while the other sections still count; one whose required
 * section could not be read is not read (`DependencyFailed`).
 */
export async function readSections(run: SectionRun): Promise<CollectionError[]> {
  const { sections, into, budget } = run;
  const stops = [run.deadline, budget?.signal].filter((signal) => signal !== undefined);
  const deadline = stops.length > 1 ? AbortSignal.any(stops) : stops[0];
  const byId = new Map<InventorySection, AnySection>(sections.map((section) => [section.id, section]));
  const errors: CollectionError[] = [];
  const failed = new Set<InventorySection>();
  const settled = new Map<InventorySection, Promise<void>>();

  const attempt = async (section: AnySection): Promise<void> => {
    const settleAll = async (ids: readonly InventorySection[]) => {
      await Promise.all(ids.filter((id) => byId.has(id)).map((id) => settle(id)));
    };
    await settleAll([...(section.requires ?? []), ...(section.consults ?? [])]);
    const broken = (section.requires ?? []).filter((id) => failed.has(id));
    if (broken.length > 0) {
      failed.add(section.id);
      errors.push({
        section: section.id,
        code: 'DependencyFailed',
        message: `not read because ${broken.join(' and ')} of the ${section.scope} could not be read`,
      });
      return;
    }
    const context: CollectContext<ClientName, SectionScope> = {
      client: run.client(section.client),
      region: run.region,
      accountId: run.accountId,
      partition: run.partition,
      inventory: into as CollectContext<ClientName, SectionScope>['inventory'],
      expect: (operation, calls) => budget?.expect(section.client, operation, calls),
      afterSettled: () => settleAll(section.after ?? []),
    };
    try {
      // Stored only when the read finished in time: a read that loses the race with the deadline
      // may still settle later, and must not change an inventory already judged.
      const value = await beforeDeadline(section.collect(context), deadline);
      if (value !== undefined) into[section.id] = value;
    } catch (error) {
      failed.add(section.id);
      // A request cancelled at the deadline, or with its region given up, may report its AbortError first.
      const cause =
        budget?.skipped ?? (run.deadline?.aborted ? new DeadlineExceededError(NOT_FINISHED) : error);
      errors.push(collectionError(section.id, cause));
    }
  };

  const settle = (id: InventorySection): Promise<void> => {
    const known = settled.get(id);
    if (known) return known;
    const section = byId.get(id);
    const reading = section ? attempt(section) : Promise.resolve();
    settled.set(id, reading);
    return reading;
  };

  await Promise.all(sections.map((section) => settle(section.id)));
  return errors;
}
