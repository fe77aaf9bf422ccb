import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import type { Resource } from '../../../src/docs/index.js';
import { escapeSegment, formatValue, parseRule, Partition } from '../../../src/docs/partitions/index.js';
import { openTestDb, type TestDb } from '../helpers.js';
import { referenceKeys } from './fixtures.js';

describe('partition field rules', () => {
  it('formats string, number, date and string|maxlength:N values', () => {
    expect(formatValue(parseRule('string', 'f'), 'pending')).toBe('pending');
    expect(formatValue(parseRule('string', 'f'), 7)).toBe('7');
    expect(formatValue(parseRule('number', 'f'), 5)).toBe('5');
    expect(formatValue(parseRule('number', 'f'), '5.0')).toBe('5');
    expect(formatValue(parseRule('number', 'f'), -0)).toBe('0');
    expect(formatValue(parseRule('number', 'f'), 'abc')).toBeUndefined();
    expect(formatValue(parseRule('date', 'f'), '2024-01-01T23:59:59.999Z')).toBe('2024-01-01');
    expect(formatValue(parseRule('date', 'f'), new Date(Date.UTC(2024, 1, 29, 12)))).toBe('2024-02-29');
    expect(formatValue(parseRule('date', 'f'), Date.UTC(2023, 11, 31))).toBe('2023-12-31');
    expect(formatValue(parseRule('date', 'f'), 'not a date')).toBeUndefined();
    expect(formatValue(parseRule('string|maxlength:3', 'f'), 'abcdef')).toBe('abc');
    // Characters, not UTF-16 units: an emoji is never cut in half.
    expect(formatValue(parseRule('string|maxlength:2', 'f'), 'a😀b')).toBe('a😀');
    expect(formatValue(parseRule('string', 'f'), undefined)).toBeUndefined();
    expect(formatValue(parseRule('string', 'f'), null)).toBeUndefined();
    expect(formatValue(parseRule('string', 'f'), { a: 1 })).toBeUndefined();
  });

  it('rejects unknown rules with a message naming the partition field', () => {
    expect(() => parseRule('uuid', 'partitions.p.fields.f')).toThrow(/partitions\.p\.fields\.f.*'string', 'number', 'date'/);
    expect(() => parseRule('number|maxlength:3', 'x')).toThrow(ValidationError);
    expect(() => parseRule('string|maxlength:0', 'x')).toThrow(ValidationError);
    expect(() => parseRule(3, 'x')).toThrow(ValidationError);
  });
});

describe('reference key escaping', () => {
  const tricky = ['active', 'active_old', 'x/y', 'x', 'a=b', 'a%3Db', '%', '%25', '', ' ', 'é', 'e\u0301', '日本', '😀', '\uD800', '~d800', 'id=x', '..', 'a/b/id=c'];

  it('s3db.js defect: values like x/y landed under x; here escaped values never contain / or = and never collide', () => {
    const escaped = tricky.map(escapeSegment);
    expect(new Set(escaped).size).toBe(tricky.length);
    for (const e of escaped) expect(e).not.toMatch(/[/=]/);
    expect(escapeSegment('x/y')).toBe('x%2Fy');
    expect(escapeSegment('😀')).toBe('%F0%9F%98%80');
  });

  it('keys put fields in declared order, each value ending in /, the id last', () => {
    const p = new Partition('orders', 'byRegionAndStatus', { fields: { region: 'string', status: 'string' } });
    expect(p.keyOf({ id: 'o1', status: 'open', region: 'eu/west' })).toBe('resource=orders/partition=byRegionAndStatus/region=eu%2Fwest/status=open/id=o1');
    expect(p.keyOf({ id: 'o1', region: 'eu' })).toBeUndefined();
    expect(p.prefixOf({ region: 'eu' })).toBe('resource=orders/partition=byRegionAndStatus/region=eu/');
    expect(() => p.prefixOf({ status: 'open' })).toThrow(/keyed by region, status in that order.*"status" needs "region"/);
    expect(() => p.prefixOf({ nope: 1 })).toThrow(/"nope" is not a field of partition byRegionAndStatus/);
  });
});

describe('collisions through real storage', () => {
  let t: TestDb;
  let items: Resource;

  beforeAll(async () => {
    t = await openTestDb('memory');
    items = await t.db.createResource({
      name: 'items',
      attributes: { status: 'string', n: 'number|optional' },
      partitions: { byStatus: { fields: { status: 'string' } } },
      asyncPartitions: false,
    });
    for (const [i, status] of tricky().entries()) await items.insert({ id: `i${i}`, status });
  });
  afterAll(() => t.cleanup());

  function tricky() {
    return ['active', 'active_old', 'x/y', 'x', 'a=b', '%', '%25', '', 'é', '日本', '😀'];
  }

  it('s3db.js defect: status=active also listed active_old; here every value lists exactly its own documents', async () => {
    for (const [i, status] of tricky().entries()) {
      expect(await items.listIds({ partition: 'byStatus', partitionValues: { status } })).toEqual([`i${i}`]);
    }
    expect(await items.count({ partition: 'byStatus' })).toBe(tricky().length);
  });

  it('a reference is an empty object: no copy of the document', async () => {
    const keys = await referenceKeys(t.store, 'items');
    expect(keys).toHaveLength(tricky().length);
    const ref = await t.store.inner.getObject({ key: keys[0] as string });
    expect(ref.body.length).toBe(0);
    expect(ref.metadata).toEqual({});
  });
});

describe('partition definitions at createResource', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('memory');
  });
  afterAll(() => t.cleanup());

  it('a partition on an attribute that does not exist, or with an unknown rule, is rejected before anything is written', async () => {
    t.store.reset();
    await expect(t.db.createResource({ name: 'r', attributes: { x: 'string' }, partitions: { byY: { fields: { y: 'string' } } } })).rejects.toThrow(/partitions\.byY\.fields.*"y"/);
    await expect(t.db.createResource({ name: 'r', attributes: { x: 'string' }, partitions: { byX: { fields: { x: 'text' } } } })).rejects.toThrow(ValidationError);
    await expect(t.db.createResource({ name: 'r', attributes: { x: 'string' }, partitions: { byX: { fields: {} } } })).rejects.toThrow(ValidationError);
    await expect(t.db.createResource({ name: 'r', attributes: { x: 'string' }, partitionQueue: { retries: -1 } })).rejects.toThrow(/partitionQueue\.retries/);
    expect(t.store.counts.putObject ?? 0).toBe(0);
  });

  it('nested attributes can be partition fields', async () => {
    const people = await t.db.createResource({
      name: 'people',
      attributes: { name: 'string', address: { city: 'string' } },
      partitions: { byCity: { fields: { 'address.city': 'string' } } },
      asyncPartitions: false,
    });
    await people.insert({ id: 'p1', name: 'A', address: { city: 'Porto' } });
    expect(await referenceKeys(t.store, 'people')).toEqual(['resource=people/partition=byCity/address.city=Porto/id=p1']);
    expect((await people.list({ partition: 'byCity', partitionValues: { 'address.city': 'Porto' } })).map((d) => d.id)).toEqual(['p1']);
  });
});
