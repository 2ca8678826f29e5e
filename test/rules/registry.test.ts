import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SECTIONS } from '../../src/collect/sections/index.ts';
import { SEVERITIES } from '../../src/model/result.ts';
import { RULES } from '../../src/rules/index.ts';

const RULES_DIR = new URL('../../src/rules/', import.meta.url);
const TESTS_DIR = new URL('./', import.meta.url);
const SECTION_IDS: readonly string[] = SECTIONS.map((section) => section.id);
/** Files in src/rules that are shared code, not rules. */
const NOT_RULES = new Set(['index.ts', 'support.ts', 'types.ts']);

describe('rule registry', () => {
  it('lists every rule file of src/rules exactly once, sorted by id', () => {
    // Prepare
    const ruleFiles = readdirSync(RULES_DIR)
      .filter((name) => name.endsWith('.ts') && !NOT_RULES.has(name))
      .map((name) => name.replace(/\.ts$/, ''))
      .sort();

    // Act
    const ids = RULES.map((rule) => rule.meta.id);

    // Assess
    expect(ids).toEqual(ruleFiles);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort());
  });

  describe.each(RULES.map((rule) => [rule.meta.id, rule] as const))('%s', (id, rule) => {
    it('lives in the file named after its id and has a test file', () => {
      // Assess
      expect(existsSync(new URL(`${id}.ts`, RULES_DIR))).toBe(true);
      expect(existsSync(new URL(`${id}.test.ts`, TESTS_DIR))).toBe(true);
      expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    });

    it('has complete metadata', () => {
      // Prepare
      const { meta } = rule;

      // Assess
      expect(meta.title.trim()).not.toBe('');
      expect(meta.rationale.trim()).not.toBe('');
      expect(meta.remediation.text.trim()).not.toBe('');
      expect(SEVERITIES).toContain(meta.severity);
      for (const type of meta.resourceType.split('|'))
        expect(type).toMatch(/^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$/);
      expect(meta.references.length).toBeGreaterThan(0);
      for (const reference of meta.references) expect(new URL(reference).protocol).toBe('https:');
      expect(meta.needs.length).toBeGreaterThan(0);
      for (const section of meta.needs) expect(SECTION_IDS).toContain(section);
      expect(typeof rule.check).toBe('function');
    });
  });
});
