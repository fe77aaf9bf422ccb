// Compile-time checks of the document types createResource infers: `tsc --noEmit -p .` fails when
// inference regresses (every @ts-expect-error must still be an error); vitest runs the calls for real.
import { describe, expectTypeOf, it } from 'vitest';
import { S3db, type InferDocument, type Resource } from '../../src/index.js';

describe('createResource infers the document type from attribute rules', () => {
  it('types reads and writes by the schema and refuses misspelled fields', async () => {
    const db = new S3db({ connectionString: 'memory://types-test', passphrase: 'types-test' });
    await db.connect();
    try {
      const users = await db.createResource({
        name: 'users',
        attributes: {
          name: 'string|min:2',
          age: 'number|optional',
          email: 'email',
          password: 'secret',
          active: 'boolean|default:true',
          born: 'date|optional',
          tags: 'array|items:string|optional',
          note: 'string|optional|nullable',
          address: { city: 'string', zip: 'string|optional' },
          extra: { $$type: 'object|optional', floor: 'number' },
        },
      });
      const doc = await users.insert({ name: 'Ada', email: 'ada@example.com', password: 'pw', address: { city: 'London' } });
      expectTypeOf(doc).toEqualTypeOf<{
        name: string;
        age?: number;
        email: string;
        password: string;
        active: boolean;
        born?: Date;
        tags?: string[];
        note?: string | null;
        address: { city: string; zip?: string };
        extra?: { floor: number };
      } & { id: string }>();
      const got = await users.get(doc.id);
      expectTypeOf(got.id).toEqualTypeOf<string>();
      expectTypeOf(got.name).toEqualTypeOf<string>();
      expectTypeOf(got.address.zip).toEqualTypeOf<string | undefined>();
      expectTypeOf(await users.list()).toEqualTypeOf<typeof got[]>();
      expectTypeOf(await users.query({ name: 'Ada' })).toEqualTypeOf<typeof got[]>();
      expectTypeOf((await users.page()).items).toEqualTypeOf<typeof got[]>();
      expectTypeOf(await users.getMany([doc.id])).toEqualTypeOf<(typeof got | null)[]>();
      for await (const d of users.stream()) expectTypeOf(d).toEqualTypeOf<typeof got>();
      await users.update(doc.id, { address: { zip: 'N1' } });
      await users.patch(doc.id, { age: 36 });
      await users.replace(doc.id, { name: 'Ada', email: 'ada@example.com', password: 'pw', address: { city: 'Paris' } });

      // @ts-expect-error misspelled field
      await users.insert({ nmae: 'Ada', email: 'a@b.co', password: 'pw', address: { city: 'x' } }).catch(() => {});
      // @ts-expect-error required field missing
      await users.insert({ email: 'a@b.co', password: 'pw', address: { city: 'x' } }).catch(() => {});
      // @ts-expect-error wrong value type
      await users.update(doc.id, { age: 'old' }).catch(() => {});
      // @ts-expect-error misspelled nested field
      await users.update(doc.id, { address: { ctiy: 'x' } }).catch(() => {});
      // @ts-expect-error misspelled field on read
      void got.nmae;

      // A typed resource is still a Resource.
      const plain: Resource = users;
      expectTypeOf(await plain.get(doc.id)).toEqualTypeOf<Record<string, unknown> & { id: string }>();
    } finally {
      await db.disconnect();
    }
  });

  it('accepts an explicit document type and adds timestamps when asked', async () => {
    const db = new S3db({ connectionString: 'memory://types-test-2' });
    await db.connect();
    try {
      interface Order {
        status: string;
        amount: number;
      }
      const orders = await db.createResource<Order>({ name: 'orders', attributes: { status: 'string', amount: 'number' } });
      const order = await orders.insert({ status: 'new', amount: 3 });
      expectTypeOf(order).toEqualTypeOf<Order & { id: string }>();
      // @ts-expect-error not a field of Order
      await orders.insert({ status: 'new', amount: 3, colour: 'red' }).catch(() => {});

      const notes = await db.createResource({ name: 'notes', attributes: { text: 'string' }, timestamps: true });
      const note = await notes.insert({ text: 'hi' });
      expectTypeOf(note).toEqualTypeOf<{ text: string; createdAt: string; updatedAt: string } & { id: string }>();
    } finally {
      await db.disconnect();
    }
  });

  it('maps each rule type to its value type', () => {
    expectTypeOf<InferDocument<{ a: 'url'; b: 'uuid'; c: 'number|integer|positive'; d: 'boolean|optional'; e: 'embedding:3'; f: 'array'; g: 'object'; h: 'any' }>>().toEqualTypeOf<{
      a: string;
      b: string;
      c: number;
      d?: boolean;
      e: number[];
      f: unknown[];
      g: Record<string, unknown>;
      h?: unknown; // a type the rule string does not tell may be absent (the runtime check decides)
    }>();
  });

  it('falls back to untyped documents when the rules are not literal', () => {
    expectTypeOf<InferDocument<Record<string, string>>>().toEqualTypeOf<Record<string, unknown>>();
  });
});
