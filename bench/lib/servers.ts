/**
 * The real S3 servers the storage and docs benches measure on: s3rver (no
 * conditional writes) and, where Ceph is installed, a throw-away radosgw
 * cluster (enforces them), each with the credentials of its bare SDK client.
 */
import { rgwConnectionStringFor, rgwUnavailableReason, RGW_ACCESS_KEY, RGW_SECRET_KEY, startRgw } from '../../test/helpers/rgw.js';
import { s3rverConnectionStringFor, startS3rver, S3RVER_ACCESS_KEY, S3RVER_SECRET_KEY } from '../../test/helpers/s3rver.js';

export interface BenchServer {
  /** Short name for table titles. */
  name: string;
  /** Settings line: what the server is and where it runs. */
  description: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Whether the server enforces If-None-Match / If-Match. */
  conditionalWrites: boolean;
  /** A fresh bucket's connection string. */
  connectionString(prefix?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startS3rverServer(): Promise<BenchServer> {
  const server = await startS3rver();
  return {
    name: 's3rver',
    description: 's3rver 3.7.1, child process, 127.0.0.1',
    endpoint: server.endpoint,
    credentials: { accessKeyId: S3RVER_ACCESS_KEY, secretAccessKey: S3RVER_SECRET_KEY },
    conditionalWrites: false,
    connectionString: (prefix) => s3rverConnectionStringFor(server.endpoint, prefix),
    stop: () => server.stop(),
  };
}

/** Ceph radosgw, or undefined (with the reason printed) where Ceph is not installed. */
export async function startRgwServer(): Promise<BenchServer | undefined> {
  const reason = rgwUnavailableReason();
  if (reason !== undefined) {
    console.log(`  (no Ceph RGW rows: ${reason})`);
    return undefined;
  }
  const server = await startRgw();
  console.log(`  Ceph radosgw started in ${(server.startMs / 1000).toFixed(1)} s`);
  return {
    name: 'Ceph RGW',
    description: 'Ceph 16.2 radosgw (beast) + 1 mon + 1 memstore OSD, child processes, 127.0.0.1',
    endpoint: server.endpoint,
    credentials: { accessKeyId: RGW_ACCESS_KEY, secretAccessKey: RGW_SECRET_KEY },
    conditionalWrites: true,
    connectionString: (prefix) => rgwConnectionStringFor(server.endpoint, prefix),
    stop: () => server.stop(),
  };
}
