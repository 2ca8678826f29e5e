import type { ListDomainsCommandOutput } from '@aws-sdk/client-sagemaker';
import pLimit from 'p-limit';
import * as z from 'zod';
import type { SageMakerDomain } from '../../model/inventory.ts';
import { plain } from '../errors.ts';
import { distinctPages } from '../pages.ts';
import { DESCRIBE_CONCURRENCY, SAGEMAKER_PAGE_SIZE, sageMakerAsked } from '../sagemaker.ts';
import { stringList } from './schema-parts.ts';
import type { SectionDefinition } from './types.ts';

/** Every Studio domain of the region as `DescribeDomain` returns it, sorted by id. */
export const sagemakerDomains: SectionDefinition<
  'sagemakerDomains',
  'region',
  'sagemaker',
  SageMakerDomain[]
> = {
  id: 'sagemakerDomains',
  scope: 'region',
  client: 'sagemaker',
  title: 'SageMaker Studio domains',
  permissions: ['sagemaker:ListDomains', 'sagemaker:DescribeDomain'],
  responses: {
    'sagemaker:ListDomains': { fields: () => ({ Domains: 'list' }) },
    'sagemaker:DescribeDomain': { fields: () => ({ DomainId: 'string', DomainArn: 'string' }) },
  },
  schema: z.array(
    z.looseObject({
      DomainId: z.string(),
      DomainName: z.string().optional(),
      DomainArn: z.string().optional(),
      Status: z.string().optional(),
      AppNetworkAccessType: z.string().optional(),
      AuthMode: z.string().optional(),
      VpcId: z.string().optional(),
      SubnetIds: stringList.optional(),
      DomainSettings: z.looseObject({ SecurityGroupIds: stringList.optional() }).optional(),
    }),
  ),
  consults: ['endpointServices'],
  async collect(context) {
    const { DescribeDomainCommand, paginateListDomains } = await import('../sdk.ts');
    if (!sageMakerAsked(context)) return undefined;
    const { client, expect } = context;
    const ids: string[] = [];
    const pages = paginateListDomains({ client, pageSize: SAGEMAKER_PAGE_SIZE }, {});
    const idsOf = (page: ListDomainsCommandOutput) => (page.Domains ?? []).map((domain) => domain.DomainId);
    const more = () => expect('ListDomains', 1);
    for await (const page of distinctPages(pages, 'ListDomains', (p) => p.NextToken, idsOf, more)) {
      for (const id of idsOf(page)) if (id !== undefined) ids.push(id);
    }
    expect('DescribeDomain', ids.length);
    const limit = pLimit(DESCRIBE_CONCURRENCY);
    const described = await Promise.all(
      ids.map((DomainId) => limit(() => client.send(new DescribeDomainCommand({ DomainId })))),
    );
    return described
      .map(({ $metadata: _metadata, ...domain }) => plain(domain) as SageMakerDomain)
      .sort((a, b) => (a.DomainId ?? '').localeCompare(b.DomainId ?? ''));
  },
};
