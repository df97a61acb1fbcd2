import path from 'node:path';
import { spawn } from 'node:child_process';

/**
 * Runs the real `kemai` (bin/kemai.js) in a child process with `env` added to this process's environment, on the
 * embedded database (DATABASE_URL removed), and answers its exit code, stdout and stderr.
 */
export function runKemai(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const e: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete e.DATABASE_URL;
    const child = spawn(process.execPath, [path.resolve('bin/kemai.js'), ...args], { env: e, cwd });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/**
 * Runs `kemai` from source (bin/kemai-dev.js src/cli/main.ts …) and answers what spawnSync would (status, stdout,
 * stderr), without blocking this test worker's event loop: a worker blocked for a minute misses vitest's RPC replies
 * and the run fails with "Timeout calling onTaskUpdate" even when every test passed.
 */
export function kemaiDev(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.resolve('bin/kemai-dev.js'), 'src/cli/main.ts', ...args], { env: options.env ?? process.env, cwd: options.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
