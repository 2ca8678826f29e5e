import {
  DescribeDomainCommand,
  DescribeNotebookInstanceCommand,
  type ListDomainsCommandOutput,
  type ListNotebookInstancesCommandOutput,
  paginateListDomains,
  paginateListNotebookInstances,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import pLimit from 'p-limit';
import type { SageMakerDomain, SageMakerNotebook } from '../model/inventory.ts';
import { plain } from './errors.ts';
import { distinctPages } from './pages.ts';

/** The largest page ListNotebookInstances and ListDomains return. */
export const SAGEMAKER_PAGE_SIZE = 100;
/** Describe calls in flight per region and listing: SageMaker's Describe rate limits are per account. */
const DESCRIBE_CONCURRENCY = 8;

/**
 * Every notebook instance of the region as `DescribeNotebookInstance` returns it (the listing
 * lacks `DirectInternetAccess`, `SubnetId` and `RootAccess`), sorted by name.
 */
export async function readNotebookInstances(client: SageMakerClient): Promise<SageMakerNotebook[]> {
  const names: string[] = [];
  const pages = paginateListNotebookInstances({ client, pageSize: SAGEMAKER_PAGE_SIZE }, {});
  const namesOf = (page: ListNotebookInstancesCommandOutput) =>
    (page.NotebookInstances ?? []).map((notebook) => notebook.NotebookInstanceName);
  for await (const page of distinctPages(pages, 'ListNotebookInstances', (p) => p.NextToken, namesOf)) {
    for (const name of namesOf(page)) if (name !== undefined) names.push(name);
  }
  const limit = pLimit(DESCRIBE_CONCURRENCY);
  const described = await Promise.all(
    names.map((NotebookInstanceName) =>
      limit(() => client.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName }))),
    ),
  );
  return described
    .map(({ $metadata: _metadata, ...notebook }) => plain(notebook) as SageMakerNotebook)
    .sort((a, b) => (a.NotebookInstanceName ?? '').localeCompare(b.NotebookInstanceName ?? ''));
}

/** Every Studio domain of the region as `DescribeDomain` returns it, sorted by id. */
export async function readDomains(client: SageMakerClient): Promise<SageMakerDomain[]> {
  const ids: string[] = [];
  const pages = paginateListDomains({ client, pageSize: SAGEMAKER_PAGE_SIZE }, {});
  const idsOf = (page: ListDomainsCommandOutput) => (page.Domains ?? []).map((domain) => domain.DomainId);
  for await (const page of distinctPages(pages, 'ListDomains', (p) => p.NextToken, idsOf)) {
    for (const id of idsOf(page)) if (id !== undefined) ids.push(id);
  }
  const limit = pLimit(DESCRIBE_CONCURRENCY);
  const described = await Promise.all(
    ids.map((DomainId) => limit(() => client.send(new DescribeDomainCommand({ DomainId })))),
  );
  return described
    .map(({ $metadata: _metadata, ...domain }) => plain(domain) as SageMakerDomain)
    .sort((a, b) => (a.DomainId ?? '').localeCompare(b.DomainId ?? ''));
}
