import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import pg from 'pg';
import { MIGRATIONS_DIR, migrateDatabase, openDatabase } from '../../src/platform/db/database.js';

/** A hash of the migrations: a template is rebuilt only when they change. */
export function migrationsHash(): string {
  const h = crypto.createHash('sha256');
  const walk = (dir: string) => {
    for (const f of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, f);
      if (fs.statSync(p).isDirectory()) walk(p);
      else h.update(f).update(fs.readFileSync(p));
    }
  };
  walk(MIGRATIONS_DIR);
  return h.digest('hex').slice(0, 16);
}

/**
 * Migrate once per run: on PGlite into a dumped data dir every test file loads; on PostgreSQL into
 * a template database every test file clones.
 */
export default async function setup({ provide }: { provide: (key: string, value: string) => void }) {
  const hash = migrationsHash();
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const template = `kemai_tpl_${hash}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const exists = await admin.query('select 1 from pg_database where datname = $1', [template]);
      if (exists.rowCount === 0) {
        await admin.query(`create database ${template}`);
        const u = new URL(url);
        u.pathname = `/${template}`;
        const database = await openDatabase({ databaseUrl: u.toString(), poolSize: 1 });
        await migrateDatabase(database);
        await database.close();
      }
    } finally {
      await admin.end();
    }
    provide('pgTemplate', template);
    return;
  }
  const file = path.join(os.tmpdir(), `kemai-template-${hash}.tar.gz`);
  if (!fs.existsSync(file)) {
    const database = await openDatabase({});
    await migrateDatabase(database);
    const blob = await database.pglite!.dumpDataDir('gzip');
    const tmp = `${file}.${process.pid}`;
    fs.writeFileSync(tmp, Buffer.from(await blob.arrayBuffer()));
    fs.renameSync(tmp, file);
    await database.close();
  }
  provide('pgliteTemplate', file);
}
