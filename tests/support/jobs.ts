import type { Database } from '../../src/platform/db/database.js';
import { Jobs } from '../../src/platform/jobs/jobs.js';
import { createLogger } from '../../src/platform/logger.js';

/** A started job queue on the test database for `run`, stopped afterwards whatever happens. */
export async function withJobs(database: Database, run: (jobs: Jobs) => Promise<void>): Promise<void> {
  const jobs = new Jobs(database, createLogger('silent'), (database as Database & { url?: string }).url);
  await jobs.start();
  try {
    await run(jobs);
  } finally {
    await jobs.stop();
  }
}

/** Waits until a job has run and answers how it ended ('completed' or 'failed'); the test's timeout bounds the wait. */
export async function finishedState(jobs: Jobs, name: string, id: string): Promise<string> {
  for (;;) {
    const job = await jobs.getJob(name, id);
    if (job?.state === 'completed' || job?.state === 'failed') return job.state;
    await new Promise((r) => setTimeout(r, 100));
  }
}
