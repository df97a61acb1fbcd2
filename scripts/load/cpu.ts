/**
 * scripts/load/cpu.ts — CPU use from /proc (Linux): the whole machine (/proc/stat) and given processes
 * (/proc/<pid>/stat utime + stime, children not included).
 *
 *   const s = startCpuSampler({ serve: [pid1, pid2], worker: [pid3], generator: [pid4], postgres: pgPids() });
 *   … run …
 *   const r = s.stop();  // { cores, machineBusyPct (of all cores), groups: {serve: {cpuSeconds, coresUsed}, …} }
 *
 * machineBusyPct = 100 × (non-idle jiffies) / (all jiffies) over the window (idle = idle + iowait);
 * coresUsed = CPU seconds / wall seconds (1.0 = one core fully busy).
 */
import fs from 'node:fs';
import os from 'node:os';

const HZ = 100; // USER_HZ on Linux

function machine(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((s, x) => s + x, 0);
  return { busy: total - idle, total };
}

/** utime + stime of a pid in jiffies; 0 when it is gone. */
export function procJiffies(pid: number): number {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

/** Pids of the postgres processes (server and backends) listening for `port`'s cluster: every process named postgres. */
export function postgresPids(): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres') out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

export interface CpuReport {
  cores: number;
  wallSeconds: number;
  machineBusyPct: number;
  groups: Record<string, { cpuSeconds: number; coresUsed: number; pctOfMachine: number }>;
}

export function startCpuSampler(groups: Record<string, number[] | (() => number[])>) {
  const t0 = Date.now();
  const m0 = machine();
  // Per group: each pid's jiffies when first seen and when last seen alive.
  const seen = new Map<string, { start: Map<number, number>; last: Map<number, number> }>();
  for (const name of Object.keys(groups)) seen.set(name, { start: new Map(), last: new Map() });
  const sample = () => {
    for (const [name, g] of Object.entries(groups)) {
      const s = seen.get(name)!;
      for (const pid of typeof g === 'function' ? g() : g) {
        const j = procJiffies(pid);
        if (j === 0) continue;
        if (!s.start.has(pid)) s.start.set(pid, j);
        s.last.set(pid, j);
      }
    }
  };
  sample();
  // Backends come and go (and a process's figures vanish with it): sample every second.
  const timer = setInterval(sample, 1000);
  return {
    stop(): CpuReport {
      sample();
      clearInterval(timer);
      const wall = (Date.now() - t0) / 1000;
      const m1 = machine();
      const cores = os.cpus().length;
      const out: CpuReport = { cores, wallSeconds: wall, machineBusyPct: (100 * (m1.busy - m0.busy)) / Math.max(1, m1.total - m0.total), groups: {} };
      for (const [name, s] of seen) {
        let j = 0;
        for (const [pid, first] of s.start) j += (s.last.get(pid) ?? first) - first;
        const sec = j / HZ;
        out.groups[name] = { cpuSeconds: sec, coresUsed: sec / wall, pctOfMachine: (100 * sec) / wall / cores };
      }
      return out;
    },
  };
}
