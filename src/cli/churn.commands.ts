import type { Command } from 'commander';
import type { ChurnModelInput, ChurnModelRun } from '../modules/insights/index.js';
import { CliError, withBackend } from './context.js';

type Evaluation = ChurnModelRun['evaluation']['model'];

const fixed = (v: number | null, digits: number) => (v === null ? '—' : v.toFixed(digits));

function evaluationText(name: string, e: Evaluation | ChurnModelRun['evaluation']['baseline']): string[] {
  if (!e) return [`  ${name}: not fitted (too few repeat buyers)`];
  return [
    `  ${name}: AUC ${fixed(e.auc, 4)}, Brier ${e.brier.toFixed(4)}`,
    `    calibration (predicted → observed, customers): ${e.calibration
      .filter((b) => b.customers > 0)
      .map((b) => `${b.from.toFixed(1)}–${b.to.toFixed(1)} ${fixed(b.predicted, 3)} → ${fixed(b.observed, 3)} (${b.customers})`)
      .join('; ')}`,
  ];
}

export function churnRunText(run: ChurnModelRun): string {
  const e = run.evaluation;
  return [
    `Churn model as of ${run.asOf} (no order in ${run.horizonDays} days): ${run.customers.toLocaleString('en')} customers scored, ${run.seconds?.toFixed(1)} s`,
    `  trained at ${e.trainCutoff} on ${e.train.customers.toLocaleString('en')} customers (${e.train.churners.toLocaleString('en')} churned), tested at ${e.testCutoff} on ${e.model.customers.toLocaleString('en')} (${e.model.churners.toLocaleString('en')} churned)`,
    ...evaluationText('logistic regression', e.model),
    ...evaluationText('BG/NBD 1 − P(alive)', e.baseline),
    `  coefficients (log-odds per standard deviation, trained at ${e.testCutoff}): intercept ${run.model.intercept.toFixed(4)}`,
    ...run.model.features.map((f) => `    ${f.feature.padEnd(15)} ${f.coefficient >= 0 ? ' ' : ''}${f.coefficient.toFixed(4)}`),
  ].join('\n');
}

/** `kemai churn train`: the supervised churn model trained, evaluated and scored from the database. */
export function registerChurnCommands(program: Command): void {
  const churn = program.command('churn').description('Supervised churn model');
  churn
    .command('train')
    .description('Train the churn model on the orders, evaluate it out of time against BG/NBD and score every customer')
    .option('--as-of <date>', 'scoring date, a business date (default: the day of the latest order)')
    .option('--horizon-days <n>', 'churn = no order in this many days (default 90, 7 to 365)')
    .option('--json', 'machine-readable output')
    .action(async (o: { asOf?: string; horizonDays?: string; json?: boolean }) => {
      const body: ChurnModelInput = {};
      if (o.asOf !== undefined) {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(o.asOf) || Number.isNaN(Date.parse(`${o.asOf}T00:00:00Z`)) || new Date(`${o.asOf}T00:00:00Z`).toISOString().slice(0, 10) !== o.asOf)
          throw new CliError(`--as-of: not a date (YYYY-MM-DD): ${o.asOf}`, 2);
        body.asOf = o.asOf;
      }
      if (o.horizonDays !== undefined) {
        const n = Number(o.horizonDays);
        if (!Number.isInteger(n) || n < 7 || n > 365) throw new CliError('--horizon-days: a whole number from 7 to 365', 2);
        body.horizonDays = n;
      }
      const run = await withBackend(async (b) =>
        b.mode === 'remote' ? b.api.call<ChurnModelRun>('POST', '/api/v1/insights/churn-model/runs', body) : b.kemai.churn.train(body, 'local-cli'),
      );
      console.log(o.json ? JSON.stringify(run, null, 2) : churnRunText(run));
    });
}
