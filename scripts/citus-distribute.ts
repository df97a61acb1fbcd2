// Prints the SQL that distributes Kemai's tables on Citus (docs/deploy/citus.md):
//   node bin/kemai-dev.js scripts/citus-distribute.ts [--shard-count N] > distribute.sql
import { distributionSql } from '../src/platform/db/distribution.js';

const args = process.argv.slice(2);
let shardCount: number | undefined;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--shard-count') {
    shardCount = Number(args[++i]);
    if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > 64000) {
      console.error('--shard-count must be an integer between 1 and 64000');
      process.exit(2);
    }
  } else {
    console.error(`unknown argument ${args[i]}; usage: citus-distribute.ts [--shard-count N]`);
    process.exit(2);
  }
}
process.stdout.write(distributionSql(shardCount === undefined ? {} : { shardCount }));
