/**
 * Peer libraries of the benches (bench/peers/<name>): each has its own
 * package.json and node_modules, is installed on demand with npm, and runs in
 * its own processes (`node worker.mjs …` from its folder) so its dependencies
 * never mix with s3lite's.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Peer {
  name: string;
  dir: string;
  /** Why the peer cannot run (install failed), or null when it is ready. */
  missing: string | null;
}

/** Installs bench/peers/<name> when `probe` (a path under its node_modules) is missing. */
export function ensurePeer(name: string, probe: string): Peer {
  const dir = fileURLToPath(new URL(`../peers/${name}/`, import.meta.url));
  if (existsSync(`${dir}node_modules/${probe}`)) return { name, dir, missing: null };
  const args = ['install', '--prefix', dir, '--no-audit', '--no-fund'];
  console.log(`${name} peer not installed; running: npm ${args.join(' ')}`);
  const result = spawnSync('npm', args, { stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
  if (result.status === 0) return { name, dir, missing: null };
  return { name, dir, missing: `not measured: npm install in bench/peers/${name} failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`}; offline?)` };
}

/** Runs `node worker.mjs …args` in the peer's folder to the end; its stdout, trimmed. */
export function runPeer(peer: Peer, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${peer.dir}worker.mjs`, ...args], { cwd: peer.dir, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`${peer.name} worker ${args[0]} exited ${code}`))));
  });
}
