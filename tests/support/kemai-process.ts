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
