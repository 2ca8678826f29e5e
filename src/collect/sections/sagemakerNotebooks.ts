import type { ListNotebookInstancesCommandOutput } from '@aws-sdk/client-sagemaker';
import pLimit from 'p-limit';
import * as z from 'zod';
import type { SageMakerNotebook } from '../../model/inventory.ts';
import { plain } from '../errors.ts';
import { distinctPages } from '../pages.ts';
import { DESCRIBE_CONCURRENCY, SAGEMAKER_PAGE_SIZE, sageMakerAsked } from '../sagemaker.ts';
import { stringList } from './schema-parts.ts';
import type { SectionDefinition } from './types.ts';

/**
 * Every notebook instance of the region as `DescribeNotebookInstance` returns it (the listing
 * lacks `DirectInternetAccess`, `SubnetId` and `RootAccess`), sorted by name.
 */
export const sagemakerNotebooks: SectionDefinition<
  'sagemakerNotebooks',
  'region',
  'sagemaker',
  SageMakerNotebook[]
> = {
  id: 'sagemakerNotebooks',
  scope: 'region',
  client: 'sagemaker',
  title: 'SageMaker notebook instances',
  permissions: ['sagemaker:ListNotebookInstances', 'sagemaker:DescribeNotebookInstance'],
  responses: {
    'sagemaker:ListNotebookInstances': { fields: () => ({ NotebookInstances: 'list' }) },
    'sagemaker:DescribeNotebookInstance': {
      fields: () => ({
        NotebookInstanceArn: 'string',
        NotebookInstanceName: 'string',
        NotebookInstanceStatus: 'string',
      }),
    },
  },
  schema: z.array(
    z.looseObject({
      NotebookInstanceName: z.string(),
      NotebookInstanceArn: z.string().optional(),
      NotebookInstanceStatus: z.string().optional(),
      DirectInternetAccess: z.string().optional(),
      SubnetId: z.string().optional(),
      SecurityGroups: stringList.optional(),
      RootAccess: z.string().optional(),
      KmsKeyId: z.string().optional(),
    }),
  ),
  consults: ['endpointServices'],
  async collect(context) {
    const { DescribeNotebookInstanceCommand, paginateListNotebookInstances } = await import('../sdk.ts');
    if (!sageMakerAsked(context)) return undefined;
    const { client, expect } = context;
    const names: string[] = [];
    const pages = paginateListNotebookInstances({ client, pageSize: SAGEMAKER_PAGE_SIZE }, {});
    const namesOf = (page: ListNotebookInstancesCommandOutput) =>
      (page.NotebookInstances ?? []).map((notebook) => notebook.NotebookInstanceName);
    const more = () => expect('ListNotebookInstances', 1);
    for await (const page of distinctPages(
      pages,
      'ListNotebookInstances',
      (p) => p.NextToken,
      namesOf,
      more,
    )) {
      for (const name of namesOf(page)) if (name !== undefined) names.push(name);
    }
    expect('DescribeNotebookInstance', names.length);
    const limit = pLimit(DESCRIBE_CONCURRENCY);
    const described = await Promise.all(
      names.map((NotebookInstanceName) =>
        limit(() => client.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName }))),
      ),
    );
    return described
      .map(({ $metadata: _metadata, ...notebook }) => plain(notebook) as SageMakerNotebook)
      .sort((a, b) => (a.NotebookInstanceName ?? '').localeCompare(b.NotebookInstanceName ?? ''));
  },
};
