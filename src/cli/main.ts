import fs from 'node:fs';
import { Command } from 'commander';
import { ConfigError } from '../platform/config.js';
import { registerAccessCommands } from './access.commands.js';
import { registerAuditCommands } from './audit.commands.js';
import { registerCustomersCommands } from './customers.commands.js';
import { registerBasketCommands } from './basket.commands.js';
import { registerClvCommands } from './clv.commands.js';
import { registerClvDatabaseCommands } from './clv-db.commands.js';
import { registerCyclesCommands } from './cycles.commands.js';
import { registerChurnCommands } from './churn.commands.js';
import { CliError } from './context.js';
import { registerDemoCommand } from './demo.command.js';
import { registerForecastCommands } from './forecast.commands.js';
import { registerImportCommand } from './import.command.js';
import { registerLoyaltyCommands } from './loyalty.commands.js';
import { registerLoyaltyTiersCommands } from './loyalty-tiers.commands.js';
import { registerSegmentsCommands } from './segments.commands.js';
import { registerSegmentsClustersCommands } from './segments-clusters.commands.js';
import { registerSegmentListsCommands } from './segments-lists.commands.js';
import { registerPromoCommands } from './promo.commands.js';
import { registerMessagesCommands } from './messages.commands.js';
import { registerJourneysCommands } from './journeys.commands.js';
import { registerTicketsCommands } from './tickets.commands.js';
import { registerListeningCommands } from './listening.commands.js';
import { registerRetentionCommands } from './retention.commands.js';
import { registerBackupCommands } from './backup.commands.js';
import { registerServeCommand } from './serve.command.js';
import { registerWorkerCommand } from './worker.command.js';
import { registerStaffCommands } from './staff.commands.js';
import { registerTasksCommands } from './tasks.commands.js';

const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('kemai')
  .description('Kemai (客脉) — retail customer operations: customer data, loyalty, segments, journeys')
  .version(pkg.version)
  .showHelpAfterError();

registerServeCommand(program);
registerWorkerCommand(program);
registerAccessCommands(program);
registerAuditCommands(program);
registerCustomersCommands(program);
registerImportCommand(program);
registerDemoCommand(program);
registerLoyaltyCommands(program);
// After any other `loyalty` commands: it adds to that command when it exists.
registerLoyaltyTiersCommands(program);
registerSegmentsCommands(program);
registerSegmentsClustersCommands(program);
registerSegmentListsCommands(program);
registerClvCommands(program);
// After the file-mode `clv` commands: adds run and churn-risk to that command.
registerClvDatabaseCommands(program);
registerCyclesCommands(program);
registerChurnCommands(program);
registerBasketCommands(program);
registerForecastCommands(program);
registerPromoCommands(program);
registerMessagesCommands(program);
registerJourneysCommands(program);
registerTicketsCommands(program);
registerListeningCommands(program);
registerRetentionCommands(program);
registerBackupCommands(program);
// After the accounts' `staff` command: adds backfill and assign to it.
registerStaffCommands(program);
registerTasksCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CliError || e instanceof ConfigError) {
    console.error(`kemai: ${e.message}`);
    process.exitCode = e instanceof CliError ? e.exitCode : 2;
  } else if ((e as { kind?: string }).kind === 'validation' || (e as { kind?: string }).kind) {
    const err = e as { message: string; details?: { issues?: Array<{ path: string; message: string }> } };
    console.error(`kemai: ${err.message}`);
    for (const i of err.details?.issues ?? []) console.error(`  ${i.path}: ${i.message}`);
    process.exitCode = 1;
  } else {
    throw e;
  }
}
