import fs from 'node:fs';
import path from 'node:path';

/**
 * PGlite lets one process open a data directory. The holder writes `<dataDir>.lock`; a server also
 * leaves its URL and a short-lived local token there so the CLI can work through it.
 */
export interface LockInfo {
  pid: number;
  role: 'server' | 'cli';
  startedAt: string;
  url?: string;
  token?: string;
}

export function lockPath(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, '')}.lock`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live holder of the data dir, or undefined (a stale lock left by kill -9 is ignored). */
export function readLock(dataDir: string): LockInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(lockPath(dataDir), 'utf8')) as LockInfo;
    if (info.pid === process.pid || !alive(info.pid)) return undefined;
    return info;
  } catch {
    return undefined;
  }
}

export function writeLock(dataDir: string, info: Omit<LockInfo, 'pid' | 'startedAt'>): void {
  const file = lockPath(dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const body: LockInfo = { pid: process.pid, startedAt: new Date().toISOString(), ...info };
  // Written aside and renamed into place: a reader (the CLI, a test waiting for the URL) never sees half a file.
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(body), { mode: 0o600 });
  fs.renameSync(temp, file);
}

export function releaseLock(dataDir: string): void {
  try {
    const info = JSON.parse(fs.readFileSync(lockPath(dataDir), 'utf8')) as LockInfo;
    if (info.pid === process.pid) fs.unlinkSync(lockPath(dataDir));
  } catch {
    /* already gone */
  }
}
