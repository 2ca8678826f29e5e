import { describe, expect, it } from 'vitest';
import { sectionsNeeded, selectRules } from '../../src/engine/select.ts';
import { UserInputError } from '../../src/model/errors.ts';
import { RULES } from '../../src/rules/index.ts';

describe('selectRules', () => {
  it('returns every rule when no ids are given', () => {
    // Assess
    expect(selectRules(undefined)).toEqual(RULES);
    expect(selectRules([])).toEqual(RULES);
  });

  it('returns the named rules in registry order', () => {
    // Act
    const rules = selectRules(['vpc-sagemaker-private-dns', 'vpc-sagemaker-endpoints']);

    // Assess
    expect(rules.map((rule) => rule.meta.id)).toEqual([
      'vpc-sagemaker-endpoints',
      'vpc-sagemaker-private-dns',
    ]);
  });

  it('rejects an unknown id, naming the option, the id and the known ids', () => {
    // Act
    const selecting = () => selectRules(['vpc-sagemaker-endpoints', 'nope'], '--rules');

    // Assess
    expect(selecting).toThrow(UserInputError);
    expect(selecting).toThrow(/^--rules: unknown rule id "nope" \(known: .*vpc-sagemaker-endpoints/);
  });
});

describe('sectionsNeeded', () => {
  it('is the union of what the rules read', () => {
    // Act
    const needs = sectionsNeeded(selectRules(['vpc-sagemaker-endpoints', 'vpc-sagemaker-private-dns']));

    // Assess
    expect([...needs].sort()).toEqual(['endpointServices', 'vpcAttributes', 'vpcEndpoints', 'vpcs']);
    expect([...sectionsNeeded(selectRules(['vpc-sagemaker-endpoints']))]).not.toContain('vpcAttributes');
  });
});
