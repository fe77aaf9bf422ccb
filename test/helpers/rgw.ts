/**
 * A real S3 server that enforces conditional writes, for tests and benches:
 * a throw-away single-node Ceph cluster (one monitor, one memstore OSD,
 * radosgw with the beast frontend) started from nothing under a temp dir,
 * every daemon on 127.0.0.1, every daemon stopped by pid afterwards.
 *
 * - vitest: test/global-setup.ts starts one per run (beside s3rver) and
 *   provides its endpoint; test files call {@link rgwConnectionString}.
 *   Where the Ceph binaries are missing the RGW tests skip with a printed
 *   reason, except under CI=true, where the setup fails instead.
 * - bench (not vitest): call {@link startRgw} and `stop()` it after.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort } from './free-port.js';

export const RGW_ACCESS_KEY = 'S3LITETESTKEY';
export const RGW_SECRET_KEY = 'S3liteTestSecretS3liteTestSecret';
/** A second user that owns nothing: tests grant it read access with a bucket policy (read-only credentials). */
export const RGW_READER_USER = 's3lite-reader';
export const RGW_READER_ACCESS_KEY = 'S3LITEREADERKEY';
export const RGW_READER_SECRET_KEY = 'S3liteReaderSecretS3liteReader00';
const BINARIES = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph', 'monmaptool', 'ceph-authtool'];
const SEARCH_PATH = (process.env.PATH ?? '') + ':/usr/sbin:/usr/bin:/sbin:/bin';

export interface RunningRgw {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  /** Milliseconds from nothing to an answering S3 endpoint with a user. */
  startMs: number;
  stop(): Promise<void>;
}

function which(binary: string): string | undefined {
  for (const dir of SEARCH_PATH.split(':')) {
    if (dir !== '' && existsSync(join(dir, binary))) return join(dir, binary);
  }
  return undefined;
}

/** Why RGW cannot run here (a missing binary), or undefined when it can. */
export function rgwUnavailableReason(): string | undefined {
  const missing = BINARIES.filter((binary) => which(binary) === undefined);
  if (missing.length === 0) return undefined;
  return `Ceph is not installed (missing ${missing.join(', ')}); install the Debian packages ceph-mon ceph-osd radosgw ceph-common`;
}

/** The test files that run on RGW; a run selecting none of them does not start it. */
export const RGW_TEST_FILES = ['test/storage/conformance.test.ts', 'test/storage/s3-probe.test.ts', 'test/docs/concurrency.test.ts', 'test/docs/partitions/partition-crash.test.ts'];

/** Whether vitest's file filters (undefined: the whole suite) select a test file that runs on RGW. */
export function needsRgw(filters: string[] | undefined): boolean {
  if (filters === undefined || filters.length === 0) return true;
  return RGW_TEST_FILES.some((file) => filters.some((filter) => file.includes(filter.replace(/^\.\//, '')) || filter.endsWith(file)));
}


function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a Ceph tool to completion; throws with its output when it fails. */
function run(binary: string, args: string[], timeoutMs = 60_000): string {
  const result = spawnSync(which(binary) ?? binary, args, { encoding: 'utf8', timeout: timeoutMs });
  if (result.status !== 0) {
    throw new Error(`${binary} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

function cephConf(dir: string, fsid: string, monPort: number, rgwPort: number): string {
  return `[global]
fsid = ${fsid}
mon_host = v2:127.0.0.1:${monPort}
mon_initial_members = a
public_network = 127.0.0.1/32
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
ms_mon_client_mode = crc
ms_bind_ipv6 = false
run_dir = ${dir}/run
admin_socket = ${dir}/run/$name.asok
log_file = ${dir}/log/$name.log
pid_file = ${dir}/run/$name.pid
crash_dir = ${dir}/crash
log_to_stderr = false
err_to_stderr = true
mon_cluster_log_to_file = false
osd_objectstore = memstore
memstore_device_bytes = 2147483648
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
osd_crush_chooseleaf_type = 0
mon_max_pg_per_osd = 1000

[mon.a]
mon_data = ${dir}/mon/a

[osd.0]
osd_data = ${dir}/osd/0

[client.rgw]
rgw_frontends = beast endpoint=127.0.0.1:${rgwPort} tcp_nodelay=1
rgw_data = ${dir}/rgw
rgw_dns_name = 127.0.0.1
`;
}

/**
 * Starts the cluster. Takes ~15 s on an idle machine (longer when loaded);
 * the caller must `stop()` it.
 */
export async function startRgw(): Promise<RunningRgw> {
  const reason = rgwUnavailableReason();
  if (reason !== undefined) throw new Error(reason);
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 's3lite-rgw-'));
  const daemons: ChildProcess[] = [];
  const stop = async () => {
    // Reverse order: radosgw, then the OSD, then the monitor.
    for (const child of [...daemons].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const sub of ['run', 'log', 'crash', 'mon/a', 'osd/0', 'rgw']) mkdirSync(join(dir, sub), { recursive: true });
    const fsid = randomUUID();
    const monPort = await freePort();
    const rgwPort = await freePort();
    const conf = join(dir, 'ceph.conf');
    writeFileSync(conf, cephConf(dir, fsid, monPort, rgwPort));
    const c = ['-c', conf];

    const keyring = join(dir, 'mon.keyring');
    run('ceph-authtool', ['--create-keyring', keyring, '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
    const monmap = join(dir, 'monmap');
    run('monmaptool', ['--create', '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, '--fsid', fsid, monmap]);
    run('ceph-mon', [...c, '--mkfs', '-i', 'a', '--monmap', monmap, '--keyring', keyring]);
    daemons.push(spawnDaemon('ceph-mon', [...c, '-f', '-i', 'a'], dir));

    const osdUuid = randomUUID();
    const id = run('ceph', [...c, '--connect-timeout', '30', 'osd', 'new', osdUuid], 60_000).trim();
    if (id !== '0') throw new Error(`ceph osd new returned id ${id}, expected 0`);
    run('ceph-osd', [...c, '-i', '0', '--mkfs', '--osd-uuid', osdUuid]);
    daemons.push(spawnDaemon('ceph-osd', [...c, '-f', '-i', '0'], dir));

    daemons.push(spawnDaemon('radosgw', [...c, '-f', '-n', 'client.rgw'], dir));
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    await waitForHttp(endpoint, daemons, dir, 120_000);
    run('radosgw-admin', [...c, 'user', 'create', '--uid', 's3lite', '--display-name', 's3lite tests', '--access-key', RGW_ACCESS_KEY, '--secret-key', RGW_SECRET_KEY]);
    run('radosgw-admin', [...c, 'user', 'create', '--uid', RGW_READER_USER, '--display-name', 's3lite reader', '--access-key', RGW_READER_ACCESS_KEY, '--secret-key', RGW_READER_SECRET_KEY]);
    return { endpoint, startMs: Date.now() - started, stop };
  } catch (err) {
    const logs = tailLogs(dir);
    await stop();
    throw new Error(`${(err as Error).message}\n${logs}`, { cause: err });
  }
}

function spawnDaemon(binary: string, args: string[], dir: string): ChildProcess {
  const child = spawn(which(binary) ?? binary, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-4000);
  });
  // If the runner exits without calling stop() (a crash, Ctrl-C), take the daemon with it.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', (code, signal) => {
    process.off('exit', reap);
    if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGKILL') writeFileSync(join(dir, 'log', `${binary}.exit`), `exit ${code} ${signal}\n${errors}`);
  });
  return child;
}

function tailLogs(dir: string): string {
  const names = ['ceph-mon.exit', 'ceph-osd.exit', 'radosgw.exit', 'mon.a.log', 'osd.0.log', 'client.rgw.log'];
  return names
    .map((name) => join(dir, 'log', name))
    .filter((path) => existsSync(path))
    .map((path) => `--- ${path}\n${readFileSync(path, 'utf8').split('\n').slice(-15).join('\n')}`)
    .join('\n');
}

async function waitForHttp(endpoint: string, daemons: ChildProcess[], dir: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const dead = daemons.find((child) => child.exitCode !== null || child.signalCode !== null);
    if (dead) throw new Error(`a Ceph daemon exited while starting (${dead.spawnfile}); logs in ${dir}`);
    const status = await new Promise<number | undefined>((resolve) => {
      const req = request(endpoint, { method: 'GET', timeout: 2_000 }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', () => resolve(undefined));
      req.on('timeout', () => req.destroy());
      req.end();
    });
    if (status !== undefined) return;
    await sleep(250);
  }
  throw new Error(`radosgw did not answer on ${endpoint} within ${timeoutMs / 1000} s`);
}

/** A bucket name that no other test uses. */
export function uniqueRgwBucketName(): string {
  return `t-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Creates a fresh bucket on a running RGW and returns its connection string. */
export async function rgwConnectionStringFor(endpoint: string, prefix = ''): Promise<string> {
  const bucket = uniqueRgwBucketName();
  const client = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: RGW_ACCESS_KEY, secretAccessKey: RGW_SECRET_KEY },
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  const url = new URL(endpoint);
  const path = prefix === '' ? '' : `/${prefix.replace(/^\/+/, '')}`;
  return `http://${RGW_ACCESS_KEY}:${RGW_SECRET_KEY}@${url.host}/${bucket}${path}`;
}

/**
 * In a vitest test file: the RGW endpoint started by test/global-setup.ts, or
 * the printed reason why there is none (never undefined under CI=true: the
 * setup fails there instead).
 */
export async function injectRgw(): Promise<{ endpoint: string } | { skip: string }> {
  const { inject } = await import('vitest');
  const endpoint = inject('rgwEndpoint');
  if (endpoint !== '') return { endpoint };
  return { skip: inject('rgwSkipReason') };
}

/**
 * In a vitest test file: the connection string of a fresh, already-created
 * bucket on the RGW started by test/global-setup.ts.
 */
export async function rgwConnectionString(prefix = ''): Promise<string> {
  const rgw = await injectRgw();
  if ('skip' in rgw) throw new Error(`RGW is not running: ${rgw.skip}`);
  return rgwConnectionStringFor(rgw.endpoint, prefix);
}
