import { describe, expect, it } from 'vitest';
import { ConnectionStringError } from '../../src/core/errors.js';
import { parseConnectionString } from '../../src/storage/index.js';

const SECRET = 'wJalr/XUtn+FEMI@K7MD:ENG?bPx#RfiCY%EX';
const ENCODED_SECRET = encodeURIComponent(SECRET);

function failure(input: string): ConnectionStringError {
  try {
    parseConnectionString(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectionStringError);
    return err as ConnectionStringError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('parseConnectionString', () => {
  it('parses memory://bucket/prefix', () => {
    expect(parseConnectionString('memory://test-bucket/integration-tests')).toEqual({ kind: 'memory', bucket: 'test-bucket', prefix: 'integration-tests/' });
    expect(parseConnectionString('memory://b')).toEqual({ kind: 'memory', bucket: 'b', prefix: '' });
    expect(parseConnectionString('memory://b/a/b/')).toEqual({ kind: 'memory', bucket: 'b', prefix: 'a/b/' });
  });

  it('parses file:///abs and file://./rel', () => {
    expect(parseConnectionString('file:///var/lib/data')).toEqual({ kind: 'file', root: '/var/lib/data' });
    expect(parseConnectionString('file://./data/db')).toEqual({ kind: 'file', root: './data/db' });
    expect(parseConnectionString('file:///tmp/with%20space')).toEqual({ kind: 'file', root: '/tmp/with space' });
  });

  it('parses s3:// with region, credentials and client options (?region= is honoured)', () => {
    expect(parseConnectionString('s3://AKIA:secret@my-bucket/app/db?region=eu-west-1&maxSockets=200&keepAlive=false')).toEqual({
      kind: 's3',
      bucket: 'my-bucket',
      prefix: 'app/db/',
      region: 'eu-west-1',
      endpoint: undefined,
      forcePathStyle: false,
      credentials: { accessKeyId: 'AKIA', secretAccessKey: 'secret' },
      httpClientOptions: { maxSockets: 200, keepAlive: false },
    });
  });

  it('leaves credentials to the default provider chain when omitted', () => {
    const target = parseConnectionString('s3://my-bucket?region=us-west-2');
    expect(target).toMatchObject({ kind: 's3', bucket: 'my-bucket', prefix: '', region: 'us-west-2', credentials: undefined });
  });

  it('parses http(s)://KEY:SECRET@host:port/bucket/prefix as path style', () => {
    expect(parseConnectionString('http://minio:minio123@127.0.0.1:9000/bucket/db1')).toMatchObject({
      kind: 's3',
      bucket: 'bucket',
      prefix: 'db1/',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'minio', secretAccessKey: 'minio123' },
    });
    expect(parseConnectionString('https://k:s@storage.example.com/bucket?forcePathStyle=false&timeout=5000')).toMatchObject({
      endpoint: 'https://storage.example.com',
      forcePathStyle: false,
      httpClientOptions: { timeout: 5000 },
    });
    expect(parseConnectionString('http://k:s@[::1]:9000/bucket')).toMatchObject({ endpoint: 'http://[::1]:9000' });
  });

  it('decodes URL-encoded secrets with special characters', () => {
    const target = parseConnectionString(`s3://AKIA%2Fx:${ENCODED_SECRET}@bucket/p`);
    expect(target).toMatchObject({ credentials: { accessKeyId: 'AKIA/x', secretAccessKey: SECRET } });
    const http = parseConnectionString(`http://AKIA:${ENCODED_SECRET}@localhost:4569/bucket`);
    expect(http).toMatchObject({ credentials: { secretAccessKey: SECRET } });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['not a url', 'scheme'],
    ['ftp://host/bucket', 'unknown scheme "ftp"'],
    ['s3://', 'bucket name is empty'],
    ['s3:///prefix', 'bucket name is empty'],
    ['http://k:s@127.0.0.1:9000/', 'bucket name is empty'],
    ['http://k:s@127.0.0.1:9000', 'bucket name is empty'],
    ['memory://', 'bucket name'],
    ['http://k:s@127.0.0.1:99999/bucket', 'port must be a number from 1 to 65535'],
    ['http://k:s@127.0.0.1:0/bucket', 'port must be a number from 1 to 65535'],
    ['http://k:s@127.0.0.1:abc/bucket', 'port must be a number from 1 to 65535'],
    ['http://k:s@127.0.0.1:/bucket', 'port must be a number from 1 to 65535'],
    ['http://k:s@:9000/bucket', 'host is missing'],
    ['s3://Bad_Bucket/x', 'bucket names are 3 to 63'],
    ['s3://bucket/x?region=', 'must not be empty'],
    ['s3://bucket/x?maxSockets=0', 'maxSockets'],
    ['s3://bucket/x?keepAlive=yes', 'true or false'],
    ['s3://bucket/x?colour=blue', 'does not take the query parameter "colour"'],
    ['memory://b/x?region=eu', 'does not take the query parameter "region"'],
    ['file://', 'needs a directory'],
    ['file://relative/path', 'file:///absolute/path or file://./relative/path'],
    ['s3://k@bucket/x', 'secret is missing'],
    ['s3://:s@bucket/x', 'neither may be empty'],
    ['s3://k:%ZZ@bucket/x', 'malformed %-escape'],
    ['memory://k:s@bucket', 'takes no credentials'],
    ['s3://bucket/x#frag', 'fragment'],
  ])('rejects %j with a ConnectionStringError (%s)', (input, expected) => {
    expect(failure(input).message).toContain(expected);
  });

  it('never puts the secret in an error message, however malformed the string', () => {
    const raw = 'wJalrXUtnFEMIK7MDENGbPxRfiCYEX';
    const inputs = [
      `s3://AKIA:${raw}@Bad_Bucket/x`,
      `s3://AKIA:${raw}@/x`,
      `s3://AKIA:${raw}@bucket/x?colour=1`,
      `http://AKIA:${raw}@127.0.0.1:99999/bucket`,
      `http://AKIA:${raw}@127.0.0.1:9000/`,
      `ftp://AKIA:${raw}@host/bucket`,
      `memory://AKIA:${raw}@bucket`,
      `s3://AKIA:${raw}%ZZ@bucket/x`,
      // Unencoded special characters split the string in odd places.
      `s3://AKIA:${raw.slice(0, 10)}/${raw.slice(10)}@bucket/x`,
      `s3://AKIA:${raw.slice(0, 10)}?${raw.slice(10)}@bucket/x`,
      `s3://AKIA:${raw.slice(0, 10)}#${raw.slice(10)}@bucket/x`,
      `http://AKIA:${raw.slice(0, 10)}/${raw.slice(10)}@127.0.0.1:9000/bucket`,
      `s3://AKIA:${raw}/bucket`,
      `s3://AKIA:${raw}`,
    ];
    for (const input of inputs) {
      const { message } = failure(input);
      for (const piece of [raw, raw.slice(0, 10), raw.slice(10)]) expect(message).not.toContain(piece);
    }
  });
});
