import type { Command } from 'commander';

/**
 * The `segments` command group (rfm, export; rule segments, membership and clusters add theirs),
 * and `kemai rfm --from FILE` for analysts without a database.
 */
export function registerSegmentsCommands(program: Command): Command {
  const segments =
    program.commands.find((c) => c.name() === 'segments') ?? program.command('segments').description('Segments: RFM, value matrix, rule segments, clusters, exports');
  return segments;
}
