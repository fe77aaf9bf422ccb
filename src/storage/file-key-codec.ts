/**
 * How file:// maps object keys to paths. Each `/`-separated segment of a key
 * becomes one path component, escaped so that any key is safe on any
 * filesystem, case-insensitive ones included:
 *
 * - `a-z 0-9 _ - = , + @` and `.` (not first) stay as they are;
 * - `A-Z` become `^` + the lowercase letter;
 * - every other byte of the UTF-8 form becomes `%XX`;
 * - objects end in `!o`, directories in `!d` (so key `a` and key `a/b` coexist);
 * - segments whose escaped form would pass the 255-byte name limit are named
 *   `~<sha256>`: such files carry their key in their header and such
 *   directories hold a `.segment` file with the segment.
 */
import { createHash } from 'node:crypto';

export const OBJECT_SUFFIX = '!o';
export const DIR_SUFFIX = '!d';
export const SEGMENT_FILE = '.segment';
const MAX_NAME_BYTES = 240;

const RAW = /[a-z0-9_\-=,+@.]/;

export function encodeSegment(segment: string): string {
  let out = '';
  for (const char of segment) {
    if (RAW.test(char) && !(char === '.' && out === '')) out += char;
    else if (char >= 'A' && char <= 'Z') out += `^${char.toLowerCase()}`;
    else for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function decodeSegment(name: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const char = name[i]!;
    if (char === '%') {
      bytes.push(Number.parseInt(name.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (char === '^') {
      bytes.push(name.charCodeAt(i + 1) - 32);
      i += 1;
    } else {
      bytes.push(name.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The path component of a segment, without suffix; `hashed` when it is a `~<sha256>` name. */
export function segmentName(segment: string): { name: string; hashed: boolean } {
  const encoded = encodeSegment(segment);
  if (encoded.length <= MAX_NAME_BYTES) return { name: encoded, hashed: false };
  return { name: `~${createHash('sha256').update(segment).digest('hex')}`, hashed: true };
}

export function isHashedName(name: string): boolean {
  return name.startsWith('~');
}
