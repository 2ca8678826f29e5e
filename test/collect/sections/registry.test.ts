import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AwsClients } from '../../../src/collect/clients.ts';
import { SECTIONS } from '../../../src/collect/sections/index.ts';

const SECTIONS_DIR = new URL('../../../src/collect/sections/', import.meta.url);
const TESTS_DIR = new URL('./', import.meta.url);
/** Files in src/collect/sections that are shared code, not sections. */
const NOT_SECTIONS = new Set(['index.ts', 'schema-parts.ts', 'types.ts']);
const READ_ACTION = /^[a-z0-9-]+:(Describe|Get|List)[A-Z][A-Za-z0-9]*$/;

describe('section registry', () => {
  it('lists every section file of src/collect/sections exactly once, sorted by id', () => {
    // Prepare
    const sectionFiles = readdirSync(SECTIONS_DIR)
      .filter((name) => name.endsWith('.ts') && !NOT_SECTIONS.has(name))
      .map((name) => name.replace(/\.ts$/, ''))
      .sort();

    // Act
    const ids = SECTIONS.map((section) => section.id);

    // Assess
    expect(ids).toEqual(sectionFiles);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort());
  });

  it('orders the sections without a cycle, so every section can be read', () => {
    // Prepare
    const byId = new Map(SECTIONS.map((section) => [section.id as string, section]));
    const cycles: string[] = [];
    const visit = (id: string, path: string[]) => {
      if (path.includes(id)) {
        cycles.push([...path, id].join(' -> '));
        return;
      }
      const section = byId.get(id);
      for (const next of [
        ...(section?.requires ?? []),
        ...(section?.consults ?? []),
        ...(section?.after ?? []),
      ])
        visit(next, [...path, id]);
    };

    // Act
    for (const id of byId.keys()) visit(id, []);

    // Assess
    expect(cycles).toEqual([]);
  });

  describe.each(SECTIONS.map((section) => [section.id, section] as const))('%s', (id, section) => {
    it('lives in the file named after its id and has a test file', () => {
      // Assess
      expect(existsSync(new URL(`${id}.ts`, SECTIONS_DIR))).toBe(true);
      expect(existsSync(new URL(`${id}.test.ts`, TESTS_DIR))).toBe(true);
      expect(id).toMatch(/^[a-z][A-Za-z0-9]*$/);
    });

    it('declares its scope, a client the scan creates, a title and a snapshot schema', () => {
      // Assess
      expect(['account', 'region']).toContain(section.scope);
      expect(typeof AwsClients.prototype[section.client]).toBe('function');
      expect(section.title.trim()).not.toBe('');
      expect(section.schema).toBeInstanceOf(z.ZodType);
      expect(typeof section.collect).toBe('function');
    });

    it('declares exact read actions, and for each the response contract of its operation', () => {
      // Assess
      expect(section.permissions.length).toBeGreaterThan(0);
      for (const permission of section.permissions) expect(permission).toMatch(READ_ACTION);
      expect(Object.keys(section.responses).sort()).toEqual([...section.permissions].sort());
    });

    it('depends only on registered sections of its own scope, each named once', () => {
      // Prepare
      const dependencies = [
        ...(section.requires ?? []),
        ...(section.consults ?? []),
        ...(section.after ?? []),
      ];

      // Assess
      expect(new Set(dependencies).size).toBe(dependencies.length);
      for (const dependency of dependencies) {
        const target = SECTIONS.find((candidate) => candidate.id === dependency);
        expect(target?.scope).toBe(section.scope);
      }
    });
  });
});
