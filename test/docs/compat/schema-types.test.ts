/**
 * s3db.js's attribute types: each validates as documented and round-trips
 * exactly (what was inserted is what get returns); password is a one-way
 * bcrypt hash checked with verifyPassword; object-notation rules work.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { verifyPassword } from '../../../src/index.js';
import { COMPAT_BACKENDS, openCompatDb } from '../helpers.js';

const attributes = {
  meta: 'json|optional',
  flag: 'bool|optional',
  at: 'datetime|optional',
  day: 'dateonly|optional',
  time: 'timeonly|optional',
  price: 'money|optional',
  coins: 'crypto|optional',
  ratio: 'decimal:3|optional',
  anyDecimal: 'decimal|optional',
  lat: 'geo:lat|optional',
  lon: 'geo:lon|optional',
  latAlias: 'geoLat|optional',
  point: 'geo:point|optional',
  v4: 'ip4|optional',
  v6: 'ip6|optional',
  net: 'cidr|optional',
  mac: 'mac|optional',
  phone: 'phone|optional',
  version: 'semver|optional',
  color: 'color|optional',
  ttl: 'duration|optional',
  schedule: 'cron|optional',
  locale: 'locale|optional',
  country: 'country|optional',
  currency: 'currency|optional',
  barcode: 'ean|optional',
  flags: 'bits:4|optional',
  vector: 'embedding:3|optional',
  tags: { type: 'array', items: 'string', optional: true },
  server: { type: 'ip4', optional: true },
};

const good = {
  meta: { views: 100, tags: ['a'], nested: { n: null } },
  flag: true,
  at: '2024-01-15T10:30:00.000Z',
  day: '2024-02-29',
  time: '23:59:58.5',
  price: 19.99,
  coins: 0.00012345,
  ratio: 1.125,
  anyDecimal: 3.14159,
  lat: -23.550519,
  lon: -46.633309,
  latAlias: 89.9,
  point: { lat: 40.7128, lon: -74.006 },
  v4: '192.168.1.1',
  v6: '2001:db8::1',
  net: '10.0.0.0/8',
  mac: '00:1A:2b:3C:4d:5E',
  phone: '+55 11 91234-5678',
  version: '1.2.3-beta.1+build.5',
  color: '#ff8800',
  ttl: 'PT1H30M',
  schedule: '*/5 * * * *',
  locale: 'pt-BR',
  country: 'BR',
  currency: 'BRL',
  barcode: '4006381333931',
  flags: [true, false, 1, 0],
  vector: [0.123, -0.456, 1e-7],
  tags: ['x', 'y'],
  server: '10.0.0.1',
};

const bad: [keyof typeof good, unknown][] = [
  ['meta', () => 1],
  ['at', '2024-13-01T00:00:00Z'],
  ['day', '2023-02-29'],
  ['time', '24:00'],
  ['price', 1.234],
  ['coins', 1.123456789],
  ['ratio', 1.1234],
  ['lat', 91],
  ['lon', -181],
  ['latAlias', -90.5],
  ['point', { lat: 0, lon: 200 }],
  ['v4', '256.1.1.1'],
  ['v4', '192.168.1'],
  ['v6', 'not-an-ipv6'],
  ['net', '10.0.0.0/33'],
  ['mac', '00:1A:2B:3C:4D'],
  ['phone', 'call me'],
  ['version', '1.2'],
  ['color', 'orange'],
  ['ttl', '1h'],
  ['schedule', 'every day'],
  ['locale', 'not a locale!'],
  ['country', 'XX'],
  ['currency', 'ABC'],
  ['barcode', '4006381333932'],
  ['flags', [true, false, true]],
  ['vector', [1, 2]],
  ['tags', 'x'],
  ['server', '::1'],
];

for (const backend of COMPAT_BACKENDS) {
  describe(`schema types on ${backend}://`, () => {
    it('accept documented values and return them exactly', async () => {
      const t = await openCompatDb(backend);
      const r = await t.db.createResource({ name: 'typed', attributes, behavior: 'body-overflow' });
      const inserted = await r.insert({ id: 'all', ...good });
      expect(inserted).toEqual({ id: 'all', ...good });
      expect(await r.get('all')).toEqual({ id: 'all', ...good });
      const withDate = await r.insert({ id: 'd', at: new Date('2024-01-15T10:30:00.000Z') });
      expect((await r.get(withDate.id)).at).toEqual(new Date('2024-01-15T10:30:00.000Z'));
      const db2 = await t.reopen();
      expect(await db2.getResource('typed').get('all')).toEqual({ id: 'all', ...good });
    });

    it('reject invalid values with a ValidationError naming the field, before any request', async () => {
      const t = await openCompatDb(backend);
      const r = await t.db.createResource({ name: 'typed', attributes });
      t.store.reset();
      for (const [field, value] of bad) {
        const err = await r.insert({ [field]: value }).catch((e: unknown) => e);
        expect(err, `${field}=${JSON.stringify(value)}`).toBeInstanceOf(ValidationError);
        expect((err as ValidationError).errors.map((e) => e.field), field).toContain(field);
      }
      expect(t.store.counts.putObject ?? 0).toBe(0);
    });

    it("custom validation as s3db.js documents it: custom returns { valid, message }", async () => {
      const t = await openCompatDb(backend);
      const r = await t.db.createResource({
        name: 'codes',
        attributes: {
          code: { type: 'string', custom: (value: string) => (value.startsWith('PREFIX-') ? { valid: true } : { valid: false, message: 'Must start with PREFIX-' }) },
        },
      });
      expect((await r.insert({ id: 'c', code: 'PREFIX-1' })).code).toBe('PREFIX-1');
      const err = (await r.insert({ code: 'nope' }).catch((e: unknown) => e)) as ValidationError;
      expect(err).toBeInstanceOf(ValidationError);
      expect(err.message).toContain('Must start with PREFIX-');
      expect(err.errors[0]?.field).toBe('code');
    });

    it('password: checked as plaintext (min), stored as a bcrypt hash, verified with verifyPassword', async () => {
      const t = await openCompatDb(backend);
      const users = await t.db.createResource({ name: 'users', attributes: { email: 'email', password: 'password|min:8|max:20', pin: { type: 'password', optional: true } } });
      await expect(users.insert({ email: 'a@b.co', password: 'short' })).rejects.toBeInstanceOf(ValidationError);
      await expect(users.insert({ email: 'a@b.co', password: 'x'.repeat(21) })).rejects.toBeInstanceOf(ValidationError);
      const user = await users.insert({ id: 'u1', email: 'a@b.co', password: 'MySecurePass123' });
      expect(user.password).toMatch(/^\$2[aby]\$10\$/);
      const stored = await users.get('u1');
      expect(stored.password).toBe(user.password);
      expect(await verifyPassword('MySecurePass123', stored.password as string)).toBe(true);
      expect(await verifyPassword('wrong-password', stored.password as string)).toBe(false);
      // An update of another field keeps the hash as it is; a new password is hashed again.
      await users.update('u1', { email: 'c@d.co' });
      expect((await users.get('u1')).password).toBe(user.password);
      await users.patch('u1', { password: 'AnotherPass99' });
      const changed = (await users.get('u1')).password as string;
      expect(changed).not.toBe(user.password);
      expect(await verifyPassword('AnotherPass99', changed)).toBe(true);
      const withPin = await users.insert({ email: 'e@f.co', password: 'Password123', pin: '1234' });
      expect(await verifyPassword('1234', withPin.pin as string)).toBe(true);
    });
  });
}
