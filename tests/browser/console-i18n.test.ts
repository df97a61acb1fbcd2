import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src/modules/orders/index.js';
import { EVENT_TYPES } from '../../src/modules/activity/index.js';
import { IDENTIFIER_TYPES } from '../../src/modules/customers/index.js';
import { ROLES } from '../../src/modules/access/index.js';

const WEB = path.resolve(import.meta.dirname, '../../web/src');
type Tree = { [k: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

/** The shared file and the areas' files (`i18n/<lang>/<area>.json`), merged as the console merges them. */
function load(lang: string): Map<string, string> {
  const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Tree;
  const tree: Tree = read(path.join(WEB, 'i18n', `${lang}.json`));
  const dir = path.join(WEB, 'i18n', lang);
  if (fs.existsSync(dir)) for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) Object.assign(tree, read(path.join(dir, f)));
  return flatten(tree);
}
const en = load('en');
const zh = load('zh-CN');
/** i18next plural keys (`x_one`, `x_other`) answer for `x`; Chinese has only `_other`. */
const base = (keys: Iterable<string>) => new Set([...keys].map((k) => k.replace(/_(zero|one|two|few|many|other)$/, '')));
const has = (lang: Map<string, string>, key: string) => lang.has(key) || lang.has(`${key}_other`);

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

describe('console translations', () => {
  it('have the same keys and placeholders in Chinese and English', () => {
    expect([...base(zh.keys())].sort()).toEqual([...base(en.keys())].sort());
    for (const [key, text] of en) {
      const other = zh.get(key) ?? zh.get(key.replace(/_one$/, '_other'));
      const vars = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
      expect(vars(other ?? ''), key).toEqual(vars(text));
    }
  });

  it('cover every literal key the console uses', () => {
    const used = new Set<string>();
    for (const file of sources(WEB)) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z0-9_.]+)'/g)) used.add(m[1]!);
      for (const m of text.matchAll(/\blabel: '([a-z]+\.[a-zA-Z0-9_.]+)'/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(100);
    const missing = [...used].filter((k) => !has(en, k) || !has(zh, k));
    expect(missing).toEqual([]);
  });

  it('name every channel, event type, identifier type and role the API can return', () => {
    const wanted = [
      ...CHANNELS.map((c) => `channel.${c}`),
      ...EVENT_TYPES.map((e) => `eventType.${e}`),
      ...IDENTIFIER_TYPES.map((i) => `identifier.${i}`),
      ...ROLES.map((r) => `roles.${r}`),
    ];
    expect(wanted.filter((k) => !en.has(k) || !zh.has(k))).toEqual([]);
  });
});
