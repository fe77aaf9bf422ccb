import { describe, expect, it } from 'vitest';
import { AWS_DIALECT, capabilitiesOf, dialectWarnings, ifMatchValue, quoteEtag, type S3Dialect } from '../../src/storage/s3-dialect.js';

const RGW16: S3Dialect = {
  probed: true,
  ifNoneMatch: true,
  ifMatch: 'unquoted',
  conditionalDelete: false,
  copySourceIfMatch: 'x-amz-copy-if-match',
  metadataLimit: false,
  copyEtagQuoted: false,
  raceAnswers500: true,
};

describe('S3 dialect', () => {
  it('quotes bare ETags and leaves quoted, weak and empty ones alone', () => {
    expect(quoteEtag('0cc175b9c0f1b6a831c399e269772661')).toBe('"0cc175b9c0f1b6a831c399e269772661"');
    expect(quoteEtag('"abc"')).toBe('"abc"');
    expect(quoteEtag('W/"abc"')).toBe('W/"abc"');
    expect(quoteEtag('')).toBe('');
  });

  it('sends If-Match in the form the server enforces, and none where every form is refused', () => {
    expect(ifMatchValue(AWS_DIALECT, '"abc"')).toBe('"abc"');
    expect(ifMatchValue(AWS_DIALECT, 'abc')).toBe('"abc"');
    expect(ifMatchValue(RGW16, '"abc"')).toBe('abc');
    expect(ifMatchValue({ ...RGW16, ifMatch: 'unusable' }, '"abc"')).toBeUndefined();
  });

  it('derives capabilities and warns once per guarantee the server cannot keep', () => {
    expect(capabilitiesOf(RGW16)).toEqual({ conditionalWrites: true, conditionalDeletes: false, metadataLimit: false, s3: RGW16 });
    expect(capabilitiesOf({ ...RGW16, ifMatch: 'ignored' }).conditionalWrites).toBe(false);
    expect(dialectWarnings('rgw', RGW16)).toEqual([expect.stringContaining('ignores If-Match on DELETE')]);
    expect(dialectWarnings('s3rver', { ...RGW16, ifNoneMatch: false, ifMatch: 'ignored' })).toEqual([expect.stringContaining('does not enforce conditional writes')]);
    expect(dialectWarnings('aws', { ...AWS_DIALECT, probed: true })).toEqual([]);
    expect(dialectWarnings('read-only', AWS_DIALECT)).toEqual([expect.stringContaining('could not write a probe object')]);
  });
});
