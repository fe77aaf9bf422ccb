/**
 * s3db.js's attribute types on top of fastest-validator: each becomes an
 * ordinary validator rule plus a check, so `'ip4|optional'`,
 * `'decimal:2|min:0'` or `{ type: 'ip4', optional: true }` validate as
 * s3db.js documents. Values are stored as given, through the lossless codec
 * (so every round trip is exact and sizes are counted on the encoded bytes).
 *
 * Also: object-notation leaf rules (`{ type: 'array', items: 'string' }`),
 * told apart from nested attribute objects by their keys.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { CronExpressionParser } from 'cron-parser';
import FastestValidator from 'fastest-validator';
import { isPlainObject } from './codec.js';

// The package is CommonJS: at runtime the default import is the class itself.
const Validator = FastestValidator as unknown as typeof FastestValidator.default;
type FvSchema = Record<string, unknown>;
type Check = (value: unknown, params: string | undefined) => boolean;

/** One validator for every schema: custom checkers in the (value, errors) form. */
export const validator = new Validator({ haltOnFirstError: false, useNewCustomCheckerFunction: true });

const decimals = (value: number): number => {
  if (!Number.isFinite(value)) return Infinity;
  const text = String(value);
  if (text.includes('e-')) return Number(text.split('e-')[1]) + (text.split('e-')[0]?.split('.')[1]?.length ?? 0);
  return text.split('.')[1]?.length ?? 0;
};
const isNumberWithDecimals = (max: number) => (v: unknown) => typeof v === 'number' && Number.isFinite(v) && decimals(v) <= max;
const inRange = (lo: number, hi: number) => (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi;
const matches = (re: RegExp) => (v: unknown) => typeof v === 'string' && re.test(v);

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const DURATION = /^P(?!$)(\d+(?:\.\d+)?Y)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?W)?(\d+(?:\.\d+)?D)?(T(?=\d)(\d+(?:\.\d+)?H)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?S)?)?$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
const currencies = new Set(Intl.supportedValuesOf('currency'));

function validDate(text: string): boolean {
  const [y, m, d] = text.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function eanChecksum(code: string): boolean {
  const digits = [...code].map(Number);
  const check = digits.pop() as number;
  const sum = digits.reverse().reduce((acc, d, i) => acc + d * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === check;
}

function isCidr(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const [ip, prefix, extra] = v.split('/');
  if (extra !== undefined || ip === undefined || prefix === undefined || !/^\d{1,3}$/.test(prefix)) return false;
  const bits = Number(prefix);
  return (isIPv4(ip) && bits <= 32) || (isIPv6(ip) && bits <= 128);
}

function isCron(v: unknown): boolean {
  if (typeof v !== 'string' || v.trim() === '') return false;
  try {
    CronExpressionParser.parse(v);
    return true;
  } catch {
    return false;
  }
}

function isLocale(v: unknown): boolean {
  if (typeof v !== 'string' || v === '') return false;
  try {
    return Intl.getCanonicalLocales(v).length === 1;
  } catch {
    return false;
  }
}

/** Custom types: the validator type the value must also pass, and the check. */
const TYPES: Record<string, { base: string; check: Check; what: string }> = {
  json: { base: 'any', what: 'a JSON-serialisable value', check: (v) => v !== undefined && (() => { try { return JSON.stringify(v) !== undefined; } catch { return false; } })() },
  datetime: { base: 'any', what: 'an ISO 8601 date-time or a Date', check: (v) => (v instanceof Date && !Number.isNaN(v.getTime())) || (typeof v === 'string' && DATETIME.test(v) && !Number.isNaN(Date.parse(v))) },
  dateonly: { base: 'string', what: 'a date YYYY-MM-DD', check: (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && validDate(v) },
  timeonly: { base: 'string', what: 'a time HH:MM[:SS[.fff]]', check: matches(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?$/) },
  money: { base: 'number', what: 'an amount with at most {p} decimals', check: (v, p) => isNumberWithDecimals(p === undefined ? 2 : Number(p))(v) },
  crypto: { base: 'number', what: 'an amount with at most {p} decimals', check: (v, p) => isNumberWithDecimals(p === undefined ? 8 : Number(p))(v) },
  decimal: { base: 'number', what: 'a number with at most {p} decimals', check: (v, p) => (p === undefined ? typeof v === 'number' && Number.isFinite(v) : isNumberWithDecimals(Number(p))(v)) },
  'geo:lat': { base: 'number', what: 'a latitude from -90 to 90', check: inRange(-90, 90) },
  'geo:lon': { base: 'number', what: 'a longitude from -180 to 180', check: inRange(-180, 180) },
  'geo:point': {
    base: 'any',
    what: 'a point { lat, lon }',
    check: (v) => isPlainObject(v) && inRange(-90, 90)(v.lat) && inRange(-180, 180)(v.lon ?? v.lng) && Object.keys(v).every((k) => k === 'lat' || k === 'lon' || k === 'lng'),
  },
  ip4: { base: 'string', what: 'an IPv4 address', check: (v) => typeof v === 'string' && isIPv4(v) },
  ip6: { base: 'string', what: 'an IPv6 address', check: (v) => typeof v === 'string' && isIPv6(v) },
  cidr: { base: 'string', what: 'a CIDR block such as 10.0.0.0/8', check: isCidr },
  mac: { base: 'string', what: 'a MAC address', check: matches(/^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$|^([0-9A-Fa-f]{4}\.){2}[0-9A-Fa-f]{4}$/) },
  phone: { base: 'string', what: 'a phone number (E.164, +country code)', check: (v) => typeof v === 'string' && /^\+?[1-9][\d ().-]{3,22}$/.test(v) && /^\d{4,15}$/.test(v.replace(/\D/g, '')) },
  semver: { base: 'string', what: 'a semantic version', check: matches(SEMVER) },
  color: { base: 'string', what: 'a hex color #rgb, #rgba, #rrggbb or #rrggbbaa', check: matches(/^#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/) },
  duration: { base: 'string', what: 'an ISO 8601 duration such as PT1H30M', check: matches(DURATION) },
  cron: { base: 'string', what: 'a cron expression', check: isCron },
  locale: { base: 'string', what: 'a BCP 47 locale such as pt-BR', check: isLocale },
  country: { base: 'string', what: 'an ISO 3166-1 alpha-2 country code', check: (v) => typeof v === 'string' && /^[A-Z]{2}$/.test(v) && regionNames.of(v) !== undefined },
  currency: { base: 'string', what: 'an ISO 4217 currency code', check: (v) => typeof v === 'string' && currencies.has(v) },
  ean: { base: 'string', what: 'an EAN-8, UPC-A, EAN-13 or GTIN-14 code', check: (v) => typeof v === 'string' && /^(\d{8}|\d{12,14})$/.test(v) && eanChecksum(v) },
  bits: { base: 'array', what: 'an array of {p} bits (booleans or 0/1)', check: (v, p) => Array.isArray(v) && (p === undefined || v.length === Number(p)) && v.every((b) => b === true || b === false || b === 0 || b === 1) },
  embedding: { base: 'array', what: 'an array of {p} numbers', check: (v, p) => Array.isArray(v) && (p === undefined || v.length === Number(p)) && v.every((n) => typeof n === 'number' && Number.isFinite(n)) },
  password: { base: 'any', what: 'a password', check: () => true },
};
const ALIASES: Record<string, string> = { bool: 'boolean', geoLat: 'geo:lat', geoLon: 'geo:lon', geoPoint: 'geo:point' };
const DEFAULT_PARAM: Record<string, string> = { money: '2', crypto: '8' };
const PARAMETRISED = new Set(['money', 'crypto', 'decimal', 'bits', 'embedding']);

/** Splits `'decimal:2'` into the custom type and its parameter; undefined for validator types. */
export function customType(type: string): { name: string; param: string | undefined } | undefined {
  const resolved = ALIASES[type] ?? type;
  if (TYPES[resolved]) return { name: resolved, param: undefined };
  const colon = resolved.indexOf(':');
  if (colon > 0) {
    const name = resolved.slice(0, colon);
    const param = resolved.slice(colon + 1);
    if (PARAMETRISED.has(name) && /^\d{1,6}$/.test(param)) return { name, param };
  }
  return undefined;
}

/** Rule keys fastest-validator understands: an object made only of these (and a string `type`) is one rule, not nested attributes. */
const RULE_KEYS = new Set([
  'type', 'optional', 'required', 'nullable', 'default', 'min', 'max', 'length', 'empty', 'items', 'props', 'properties', 'strict', 'enum', 'values',
  'pattern', 'patternFlags', 'custom', 'messages', 'convert', 'integer', 'positive', 'negative', 'equal', 'notEqual', 'trim', 'trimLeft', 'trimRight',
  'lowercase', 'uppercase', 'alpha', 'numeric', 'alphanum', 'alphadash', 'hex', 'singleLine', 'base64', 'contains', 'unique', 'label', 'padStart', 'padEnd',
  'padChar', 'localeLowercase', 'localeUppercase', 'minProps', 'maxProps', 'precise', 'mode', 'version', 'check', 'rules', 'first',
]);

/** `{ type: 'ip4', optional: true }` (a leaf rule) rather than `{ type: 'string', name: 'string' }`-style nested attributes. */
export function isRuleObject(value: unknown): value is Record<string, unknown> & { type: string } {
  return isPlainObject(value) && typeof value.type === 'string' && Object.keys(value).every((k) => RULE_KEYS.has(k));
}

type UserCustom = (value: unknown, errors: { type: string; actual?: unknown; message?: string }[], ...rest: unknown[]) => unknown;

/**
 * s3db.js documents `custom: (value) => ({ valid, message })`; fastest-validator's
 * checker returns the value. Both work: a `{ valid, message }` answer becomes
 * an error (or none) and the value is kept.
 */
function s3dbCustom(fn: UserCustom): UserCustom {
  return (value, errors, ...rest) => {
    const result = fn(value, errors, ...rest);
    if (isPlainObject(result) && typeof result.valid === 'boolean' && Object.keys(result).every((k) => k === 'valid' || k === 'message')) {
      if (!result.valid) errors.push({ type: 's3dbCustom', actual: value, ...(typeof result.message === 'string' ? { message: result.message } : {}) });
      return value;
    }
    return result;
  };
}

/** The validator schema of one attribute rule (string or rule object). */
export function toValidatorRule(rule: string | Record<string, unknown>): unknown {
  const parsed: FvSchema = typeof rule === 'string' ? (validator as unknown as { parseShortHand(rule: string): FvSchema }).parseShortHand(rule) : { ...rule };
  if (parsed.required === true && parsed.optional === undefined) parsed.optional = false;
  delete parsed.required;
  if (typeof parsed.custom === 'function') {
    parsed.custom = s3dbCustom(parsed.custom as UserCustom);
    parsed.messages = { s3dbCustom: 'The value is not valid.', ...(parsed.messages as object | undefined) };
  }
  if (typeof parsed.type !== 'string') return parsed;
  if (parsed.type === 'secret') return { ...parsed, type: 'string' };
  const custom = customType(parsed.type);
  if (!custom) return ALIASES[parsed.type] ? { ...parsed, type: ALIASES[parsed.type] } : parsed;
  const spec = TYPES[custom.name] as (typeof TYPES)[string];
  const message = `The '{field}' field must be ${spec.what.replace('{p}', custom.param ?? DEFAULT_PARAM[custom.name] ?? 'N')}.`;
  const out: FvSchema = { ...parsed, type: spec.base, messages: { ...(parsed.messages as object | undefined), s3dbType: message } };
  const userCustom = parsed.custom;
  if (custom.name === 'password') {
    // Checked as plaintext (string, min, max) before hashing; afterwards the stored value is a bcrypt hash.
    for (const k of ['min', 'max', 'length', 'pattern']) delete out[k];
  }
  out.custom = (value: unknown, errors: { type: string; actual?: unknown }[], ...rest: unknown[]) => {
    // Absent values are the validator's business (optional / required / nullable), not the type's.
    if (value !== undefined && value !== null && !spec.check(value, custom.param)) {
      errors.push({ type: 's3dbType', actual: value });
      return value;
    }
    return typeof userCustom === 'function' ? (userCustom as (...a: unknown[]) => unknown)(value, errors, ...rest) : value;
  };
  return out;
}
