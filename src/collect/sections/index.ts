import { endpointServices } from './endpointServices.ts';
import { iam } from './iam.ts';
import { organization } from './organization.ts';
import { sagemakerDomains } from './sagemakerDomains.ts';
import { sagemakerNotebooks } from './sagemakerNotebooks.ts';
import { securityGroups } from './securityGroups.ts';
import { subnets } from './subnets.ts';
import type { SectionDefinition, SectionScope } from './types.ts';
import { vpcAttributes } from './vpcAttributes.ts';
import { vpcEndpoints } from './vpcEndpoints.ts';
import { vpcs } from './vpcs.ts';

/**
 * Every section of the inventory, sorted by id. Explicit (no globbing) so the Lambda bundle holds
 * exactly these; the snapshot schema, the collection order and the scanner role's read actions
 * all come from this list.
 */
export const SECTIONS = [
  endpointServices,
  iam,
  organization,
  sagemakerDomains,
  sagemakerNotebooks,
  securityGroups,
  subnets,
  vpcAttributes,
  vpcEndpoints,
  vpcs,
] as const;

export type Section = (typeof SECTIONS)[number];
export type SectionOfScope<Scope extends SectionScope> = Extract<Section, { scope: Scope }>;

/** A section as the collection runs it, whatever its value. */
export type AnySection = SectionDefinition<Section['id'], SectionScope, Section['client'], unknown>;

export function sectionsOfScope<Scope extends SectionScope>(scope: Scope): SectionOfScope<Scope>[] {
  return SECTIONS.filter((section): section is SectionOfScope<Scope> => section.scope === scope);
}

/** The ids of the region sections, in registry order. */
export const REGION_SECTION_IDS = sectionsOfScope('region').map((section) => section.id);

function sectionById(id: Section['id'], registry: readonly AnySection[]): AnySection {
  const section = registry.find((candidate) => candidate.id === id);
  if (section === undefined) throw new Error(`No section "${id}" in src/collect/sections/index.ts`);
  return section;
}

/**
 * The sections a scan reads for `needs`: those, then what they require or consult, and so on, each
 * once, in the order first met.
 */
export function sectionsToRead(
  needs: Iterable<Section['id']>,
  registry: readonly AnySection[] = SECTIONS,
): Section['id'][] {
  const read = [...new Set(needs)];
  for (let index = 0; index < read.length; index += 1) {
    const section = sectionById(read[index] as Section['id'], registry);
    for (const dependency of [...(section.requires ?? []), ...(section.consults ?? [])])
      if (!read.includes(dependency)) read.push(dependency);
  }
  return read;
}

/**
 * The IAM read actions that collecting `needs` takes, in the order of the sections that bring
 * them, without duplicates.
 *
 * @example permissionsFor(['vpcs']) // ['ec2:DescribeVpcs']
 */
export function permissionsFor(
  needs: Iterable<Section['id']>,
  registry: readonly AnySection[] = SECTIONS,
): string[] {
  const sections = sectionsToRead(needs, registry).map((id) => sectionById(id, registry));
  return [...new Set(sections.flatMap((section) => section.permissions))];
}
