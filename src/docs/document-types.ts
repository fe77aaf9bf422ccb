/**
 * Compile-time types of documents, read from the attribute rule strings of a
 * resource definition (`'string|min:2'` is a string, `'number|optional'` an
 * optional number), so `createResource` returns a resource whose methods
 * know the document's fields and refuse misspelled ones.
 */
import type { AttributesDefinition } from './schema.js';
import type { Resource } from './resource.js';

type Base<R extends string> = R extends `${infer B}|${string}` ? B : R;
/** `true` when the rule has the modifier `F` (`optional`, `optional:true`, …). */
type Has<R extends string, F extends string> = `|${R}|` extends `${string}|${F}|${string}` | `${string}|${F}:true|${string}` ? true : false;
type ItemsRule<R extends string> = `|${R}|` extends `${string}|items:${infer I}|${string}` ? I : never;

type StringRules = 'string' | 'email' | 'url' | 'uuid' | 'secret' | 'enum' | 'mac' | 'luhn' | 'currency' | 'objectID' | 'ip' | 'ip4' | 'ip6';

/** The value type of one rule string; a type it does not know is `unknown`, never a guess. */
export type RuleValue<R extends string> =
  | (Base<R> extends StringRules
      ? string
      : Base<R> extends 'number'
        ? number
        : Base<R> extends 'boolean'
          ? boolean
          : Base<R> extends 'date'
            ? Date
            : Base<R> extends 'array'
              ? [ItemsRule<R>] extends [never]
                ? unknown[]
                : RuleValue<ItemsRule<R>>[]
              : Base<R> extends 'object'
                ? Record<string, unknown>
                : Base<R> extends `embedding${string}`
                  ? number[]
                  : unknown)
  | (Has<R, 'nullable'> extends true ? null : never);

type ObjectRule<A> = A extends { $$type: infer T extends string } ? T : 'object';
type Optional<A> = A extends string ? (string extends A ? true : Has<A, 'optional'>) : Has<ObjectRule<A>, 'optional'>;
type WithDefault<A> = A extends string ? `|${A}|` extends `${string}|default:${string}` ? true : false : false;

type ValueOf<A, Input extends boolean> = A extends string
  ? string extends A
    ? unknown
    : RuleValue<A>
  : A extends AttributesDefinition
    ? Shape<A, Input> | (Has<ObjectRule<A>, 'nullable'> extends true ? null : never)
    : unknown;

/** Any object of fields: the bound of a resource's document type. */
// `any`, not `unknown`: interfaces (which have no index signature) can then be document types.
export type DocumentShape = Record<string, any>;

type Keys<A> = Exclude<keyof A, '$$type'> & string;
// A field whose type is not known from its rule (an unrecognised type, a rule object) may be absent:
// the type cannot tell whether the rule requires it, and the runtime check does.
type OptionalKeys<A, Input extends boolean> = {
  [K in Keys<A>]: Optional<A[K]> extends true
    ? K
    : unknown extends ValueOf<A[K], Input>
      ? K
      : Input extends true
        ? (WithDefault<A[K]> extends true ? K : never)
        : never;
}[Keys<A>];
type Simplify<T> = { [K in keyof T]: T[K] } & {};

type Shape<A, Input extends boolean> = Simplify<
  { [K in Exclude<Keys<A>, OptionalKeys<A, Input>>]: ValueOf<A[K], Input> } & { [K in OptionalKeys<A, Input>]?: ValueOf<A[K], Input> }
>;

/**
 * The document type of an attributes definition (without `id`).
 *
 * @example
 * type User = InferDocument<{ name: 'string|min:2'; age: 'number|optional' }>;
 * // { name: string; age?: number }
 */
export type InferDocument<A extends AttributesDefinition> = string extends keyof A ? Record<string, unknown> : Shape<A, false>;

/** What `insert` accepts for a definition: fields with a `default:` may be left out. */
export type InferInput<A extends AttributesDefinition> = string extends keyof A ? Record<string, unknown> : Shape<A, true>;

/** The fields `timestamps: true` adds to every document of a resource. */
export interface TimestampFields {
  /** ISO 8601 time of the insert (kept by later writes; an insert may set its own). */
  createdAt: string;
  /** ISO 8601 time of the last write through update, patch, replace or upsert. */
  updatedAt: string;
}

/** A stored document of type `T`: its fields and its `id`. */
export type StoredDocument<T> = T & { id: string };

/** What `update` accepts: any part of the document, nested objects included. */
export type DeepPartial<T> = T extends Date | readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** Input of `insert` / `upsert`: the document, optionally with its id. */
export type WriteInput<In> = In & { id?: string };

/**
 * The typed resource `createResource` returns for attributes `A` (plus
 * `createdAt`/`updatedAt` when `TS` is true).
 */
export type ResourceOf<A extends AttributesDefinition, TS extends boolean | undefined> = Resource<
  TS extends true ? Simplify<InferDocument<A> & TimestampFields> : InferDocument<A>,
  InferInput<A>
>;
