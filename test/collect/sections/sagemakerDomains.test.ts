import { DescribeDomainCommand, ListDomainsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { sagemakerDomains } from '../../../src/collect/sections/sagemakerDomains.ts';
import { collectContext } from '../../support/sections.ts';

describe('the sagemakerDomains section', () => {
  it('follows every ListDomains page and describes each domain once', async () => {
    // Prepare
    const sagemaker = mockClient(SageMakerClient);
    sagemaker
      .on(ListDomainsCommand, { NextToken: undefined })
      .resolves({ Domains: [{ DomainId: 'd-2' }], NextToken: 't1' })
      .on(ListDomainsCommand, { NextToken: 't1' })
      .resolves({ Domains: [{ DomainId: 'd-1' }] })
      .on(DescribeDomainCommand)
      .callsFake(async (input: { DomainId: string }) => ({
        DomainId: input.DomainId,
        DomainArn: `arn:${input.DomainId}`,
      }));

    // Act
    const domains = await sagemakerDomains.collect(
      collectContext(new SageMakerClient({ region: 'eu-west-1' })),
    );
    sagemaker.restore();

    // Assess
    expect(domains).toEqual([
      { DomainId: 'd-1', DomainArn: 'arn:d-1' },
      { DomainId: 'd-2', DomainArn: 'arn:d-2' },
    ]);
    expect(sagemaker.commandCalls(DescribeDomainCommand)).toHaveLength(2);
  });

  it('stops with InconsistentPagination when a page lists a domain again', async () => {
    // Prepare
    const sagemaker = mockClient(SageMakerClient);
    sagemaker
      .on(ListDomainsCommand, { NextToken: undefined })
      .resolves({ Domains: [{ DomainId: 'd-1' }], NextToken: 't1' })
      .on(ListDomainsCommand, { NextToken: 't1' })
      .resolves({ Domains: [{ DomainId: 'd-1' }] });

    // Act
    const reading = sagemakerDomains.collect(collectContext(new SageMakerClient({ region: 'eu-west-1' })));

    // Assess
    await expect(reading).rejects.toThrow('ListDomains listed d-1 twice');
    sagemaker.restore();
  });
});
