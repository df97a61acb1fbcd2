#!/usr/bin/env node
// Regenerates the migrations from the drizzle schemas, then appends the hand-written SQL
// (functions, published read-only views) from src/**/db/*.sql as a custom migration.
// Usage: npm run db:generate -- NAME   (NAME describes the change, e.g. add_tickets)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const name = process.argv[2] ?? 'change';
const run = (args) => execFileSync('npx', ['drizzle-kit', ...args], { stdio: 'inherit' });
run(['generate', '--name', name]);

const sqlFiles = [];
const walk = (dir) => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(p);
    else if (entry.name.endsWith('.sql') && p.includes(`${path.sep}db${path.sep}`)) sqlFiles.push(p);
  }
};
walk('src');
sqlFiles.sort();
const body = sqlFiles
  .map((f) => `-- ${f}\n${fs.readFileSync(f, 'utf8').trim()}\n`)
  .join('--> statement-breakpoint\n');
const journal = JSON.parse(fs.readFileSync('drizzle/meta/_journal.json', 'utf8'));
const previous = journal.entries
  .filter((e) => e.tag.endsWith('_views'))
  .map((e) => fs.readFileSync(`drizzle/${e.tag}.sql`, 'utf8'))
  .at(-1);
if (body && body !== previous) {
  run(['generate', '--custom', '--name', 'views']);
  const fresh = JSON.parse(fs.readFileSync('drizzle/meta/_journal.json', 'utf8')).entries.at(-1);
  fs.writeFileSync(`drizzle/${fresh.tag}.sql`, body);
  console.log(`wrote drizzle/${fresh.tag}.sql from ${sqlFiles.length} file(s)`);
}
