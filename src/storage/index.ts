// Public API of the storage layer; src/index.ts re-exports this file.
export type {
  ObjectMetadata,
  RequestOptions,
  PutObjectInput,
  PutObjectOutput,
  KeyInput,
  DeleteObjectInput,
  ObjectHead,
  StoredObject,
  DeleteObjectsInput,
  DeleteObjectsOutput,
  CopyObjectInput,
  ListObjectsInput,
  ListedObject,
  ListObjectsOutput,
  ListAllInput,
  StoreCapabilities,
  ObjectStore,
} from './object-store.js';
export { METADATA_LIMIT_BYTES } from './object-store.js';
export { createClient, type CreateClientOptions } from './create-client.js';
export { parseConnectionString, type ConnectionTarget, type S3Credentials } from './connection-string.js';
export { resolveHttpClientOptions, type HttpClientOptions, type ResolvedHttpClientOptions, type StorageLogger } from './http-client-options.js';
export { MemoryStore, type MemoryStoreOptions, type MemorySnapshot } from './memory-store.js';
export { FileStore, type FileStoreOptions } from './file-store.js';
export { S3Store, type S3StoreOptions } from './s3-store.js';
export { metadataSize, MAX_KEY_BYTES } from './metadata-rules.js';
export { compareKeys } from './key-order.js';
export { S3dbClient, NoSuchKeyError, type ClientObject, type ClientHead, type ClientList, type ClientCopyInput, type AwsBody } from './s3db-client.js';
export { MemoryClient, type MemoryClientOptions } from './memory-client.js';
export { FileSystemClient, type FileSystemClientOptions } from './file-system-client.js';
export { S3Client, type S3ClientOptions } from './s3-client.js';
