import os from 'node:os';
import type { Command } from 'commander';
import { CliError, withBackend } from './context.js';
import type { ApiKeyView, StaffView } from '../modules/access/index.js';

const actor = () => `cli:${os.userInfo().username || 'operator'}`;
const print = (json: boolean, value: unknown, text: string) => console.log(json ? JSON.stringify(value, null, 2) : text);

export function registerAccessCommands(program: Command) {
  const staff = program.command('staff').description('Staff accounts for the console');
  staff
    .command('create <username>')
    .description('Create a staff account; prints its one-time password')
    .requiredOption('--role <role>', 'admin | marketer | analyst | store_manager | guide | service_agent')
    .option('--name <displayName>', 'display name')
    .option('--store <code>', 'store code (guides and store managers)')
    .option('--json', 'machine-readable output')
    .action(async (username: string, o: { role: string; name?: string; store?: string; json?: boolean }) => {
      const input = { username, role: o.role, displayName: o.name, storeCode: o.store };
      const result = await withBackend(async (b) =>
        b.mode === 'direct'
          ? b.kemai.access.createStaff(input)
          : b.api.call<{ staff: StaffView; password: string }>('POST', '/api/v1/staff', input),
      );
      print(!!o.json, result, `Created ${result.staff.username} (${result.staff.role}). One-time password: ${result.password}\nThey will be asked to change it at first sign-in.`);
    });
  staff
    .command('reset-password <username>')
    .description('Set a new one-time password and end the account’s sessions')
    .option('--json', 'machine-readable output')
    .action(async (username: string, o: { json?: boolean }) => {
      const password = await withBackend(async (b) =>
        b.mode === 'direct'
          ? b.kemai.access.resetPassword(username)
          : (await b.api.call<{ password: string }>('POST', `/api/v1/staff/${encodeURIComponent(username)}/reset-password`)).password,
      );
      print(!!o.json, { username, password }, `New one-time password for ${username}: ${password}`);
    });
  staff
    .command('list')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const items = await withBackend(async (b) =>
        b.mode === 'direct' ? b.kemai.access.listStaff() : (await b.api.call<{ items: StaffView[] }>('GET', '/api/v1/staff?pageSize=200')).items,
      );
      print(!!o.json, items, items.map((s) => `${s.username.padEnd(20)} ${s.role.padEnd(14)} ${s.storeCode ?? ''}`).join('\n'));
    });

  const apikey = program.command('apikey').description('API keys for partner systems (POS, e-commerce, mini-program)');
  apikey
    .command('create')
    .description('Create a key; it is printed once and stored hashed')
    .requiredOption('--name <name>', 'what system uses it, e.g. pos')
    .option('--scopes <list>', 'comma-separated, e.g. orders:write,customers:read')
    .option('--role <role>', "the key gets this role's scopes instead (admin | marketer | analyst | store_manager | guide | service_agent)")
    .option('--store <code>', 'the store of a guide or store_manager key: it sees only that store’s customers')
    .option('--json', 'machine-readable output')
    .action(async (o: { name: string; scopes?: string; role?: string; store?: string; json?: boolean }) => {
      if ((o.scopes === undefined) === (o.role === undefined)) throw new CliError('Give either --scopes or --role', 2);
      const input = o.role
        ? { name: o.name, role: o.role, ...(o.store !== undefined ? { storeCode: o.store } : {}) }
        : { name: o.name, scopes: o.scopes!.split(',').map((s) => s.trim()).filter(Boolean), ...(o.store !== undefined ? { storeCode: o.store } : {}) };
      const result = await withBackend(async (b) =>
        b.mode === 'direct'
          ? b.kemai.access.createApiKey({ ...input, createdBy: 'cli' })
          : b.api.call<{ apiKey: ApiKeyView; key: string }>('POST', '/api/v1/api-keys', input),
      );
      print(
        !!o.json,
        result,
        `API key ${result.apiKey.name} (${result.apiKey.scopes.join(', ')}):\n\n  ${result.key}\n\nStore it now: it is not shown again. Send it as "Authorization: Bearer <key>".`,
      );
    });
  apikey
    .command('list')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const items = await withBackend(async (b) =>
        b.mode === 'direct' ? b.kemai.access.listApiKeys() : (await b.api.call<{ items: ApiKeyView[] }>('GET', '/api/v1/api-keys?pageSize=200&sort=createdAt')).items,
      );
      print(!!o.json, items, items.map((k) => `${k.id}  ${k.name.padEnd(16)} ${k.revokedAt ? 'revoked' : 'active '}  ${k.scopes.join(',')}`).join('\n'));
    });
  apikey
    .command('revoke <id>')
    .action(async (id: string) => {
      await withBackend(async (b) => (b.mode === 'direct' ? b.kemai.access.revokeApiKey(id) : b.api.call('DELETE', `/api/v1/api-keys/${id}`)));
      console.log(`Revoked ${id}`);
    });
  apikey
    .command('rotate <id>')
    .description('Replace a key: a new key with the same name and scopes (printed once); the old one keeps working for the grace period')
    .option('--grace-hours <n>', 'hours the old key still works, 0–168', '24')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { graceHours: string; json?: boolean }) => {
      const graceHours = Number(o.graceHours);
      if (!/^\d+(\.\d+)?$/.test(o.graceHours.trim()) || graceHours > 168) throw new CliError('--grace-hours: a number of hours from 0 to 168', 2);
      const result = await withBackend(async (b) =>
        b.mode === 'direct'
          ? b.kemai.access.rotateApiKey(id, { graceHours, createdBy: 'cli', actor: actor() })
          : b.api.call<{ apiKey: ApiKeyView; key: string; previous: ApiKeyView }>('POST', `/api/v1/api-keys/${encodeURIComponent(id)}/rotate`, { graceHours }),
      );
      print(
        !!o.json,
        result,
        `API key ${result.apiKey.name} rotated (new id ${result.apiKey.id}):\n\n  ${result.key}\n\nStore it now: it is not shown again. The old key ${id} works until ${result.previous.expiresAt}.`,
      );
    });
}
