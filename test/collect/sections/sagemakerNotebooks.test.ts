import {
  DescribeNotebookInstanceCommand,
  ListNotebookInstancesCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SAGEMAKER_PAGE_SIZE } from '../../../src/collect/sagemaker.ts';
import { sagemakerNotebooks } from '../../../src/collect/sections/sagemakerNotebooks.ts';
import { offeredServices } from '../../support/inventory.ts';
import { collectContext } from '../../support/sections.ts';

const sagemaker = mockClient(SageMakerClient);

/** A notebook as ListNotebookInstances lists it: without the fields the rules judge. */
function summary(name: string) {
  return { NotebookInstanceName: name, NotebookInstanceArn: `arn:${name}` };
}

function stubTwoPages() {
  sagemaker
    .on(ListNotebookInstancesCommand, { NextToken: undefined })
    .resolves({ NotebookInstances: [summary('nb-b')], NextToken: 't1' })
    .on(ListNotebookInstancesCommand, { NextToken: 't1' })
    .resolves({ NotebookInstances: [summary('nb-a')] })
    .on(DescribeNotebookInstanceCommand)
    .callsFake(async (input: { NotebookInstanceName: string }) => ({
      NotebookInstanceName: input.NotebookInstanceName,
      NotebookInstanceArn: `arn:${input.NotebookInstanceName}`,
      NotebookInstanceStatus: 'InService',
      DirectInternetAccess: 'Disabled',
      CreationTime: new Date('2026-02-03T04:05:06.000Z'),
    }));
}

describe('the sagemakerNotebooks section', () => {
  afterEach(() => {
    sagemaker.reset();
  });

  it('follows every ListNotebookInstances page, a hundred at a time, and describes each notebook once, sorted by name', async () => {
    // Prepare
    stubTwoPages();

    // Act
    const notebooks = await sagemakerNotebooks.collect(
      collectContext(new SageMakerClient({ region: 'eu-west-1' })),
    );

    // Assess
    expect(notebooks).toEqual([
      {
        NotebookInstanceName: 'nb-a',
        NotebookInstanceArn: 'arn:nb-a',
        NotebookInstanceStatus: 'InService',
        DirectInternetAccess: 'Disabled',
        CreationTime: '2026-02-03T04:05:06.000Z',
      },
      {
        NotebookInstanceName: 'nb-b',
        NotebookInstanceArn: 'arn:nb-b',
        NotebookInstanceStatus: 'InService',
        DirectInternetAccess: 'Disabled',
        CreationTime: '2026-02-03T04:05:06.000Z',
      },
    ]);
    const listed = sagemaker.commandCalls(ListNotebookInstancesCommand);
    expect(listed).toHaveLength(2);
    for (const call of listed) expect(call.args[0].input.MaxResults).toBe(SAGEMAKER_PAGE_SIZE);
    expect(sagemaker.commandCalls(DescribeNotebookInstanceCommand).map((call) => call.args[0].input)).toEqual(
      expect.arrayContaining([{ NotebookInstanceName: 'nb-a' }, { NotebookInstanceName: 'nb-b' }]),
    );
    expect(sagemaker.commandCalls(DescribeNotebookInstanceCommand)).toHaveLength(2);
  });

  it('asks SageMaker where the endpoint services are unknown (their listing failed)', async () => {
    // Prepare
    stubTwoPages();

    // Act
    const notebooks = await sagemakerNotebooks.collect(
      collectContext(new SageMakerClient({ region: 'eu-west-1' }), { endpointServices: undefined }),
    );

    // Assess
    expect(notebooks?.map((notebook) => notebook.NotebookInstanceName)).toEqual(['nb-a', 'nb-b']);
  });

  it('asks nothing and returns no section where the endpoint services do not list SageMaker', async () => {
    // Prepare
    stubTwoPages();

    // Act
    const notebooks = await sagemakerNotebooks.collect(
      collectContext(new SageMakerClient({ region: 'eu-west-1' }), {
        endpointServices: ['com.amazonaws.eu-west-1.s3'],
      }),
    );

    // Assess
    expect(notebooks).toBeUndefined();
    expect(sagemaker.calls()).toHaveLength(0);
  });

  it('reads a region whose endpoint services list the SageMaker API', async () => {
    // Prepare
    stubTwoPages();

    // Act
    const notebooks = await sagemakerNotebooks.collect(
      collectContext(new SageMakerClient({ region: 'eu-west-1' }), {
        endpointServices: offeredServices('eu-west-1'),
      }),
    );

    // Assess
    expect(notebooks).toHaveLength(2);
  });

  it('stops with InconsistentPagination when a page lists a notebook again', async () => {
    // Prepare
    sagemaker
      .on(ListNotebookInstancesCommand, { NextToken: undefined })
      .resolves({ NotebookInstances: [summary('nb-a')], NextToken: 't1' })
      .on(ListNotebookInstancesCommand, { NextToken: 't1' })
      .resolves({ NotebookInstances: [summary('nb-a')] });

    // Act
    const reading = sagemakerNotebooks.collect(collectContext(new SageMakerClient({ region: 'eu-west-1' })));

    // Assess
    await expect(reading).rejects.toThrow('ListNotebookInstances listed nb-a twice');
    expect(sagemaker.commandCalls(DescribeNotebookInstanceCommand)).toHaveLength(0);
  });
});
