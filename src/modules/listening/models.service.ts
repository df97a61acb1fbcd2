import { sql } from 'drizzle-orm';
import { systemClock, type Clock } from '../../platform/clock.js';
import { queryOne, type Db } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { SentimentModel, type SentimentModelInfo } from './sentiment/model.js';

export interface ModelStatus {
  /** 'shipped' (the model file in the repository) or the id of the brand's trained model. */
  id: string;
  origin: 'shipped' | 'trained';
  trainedBy: string | null;
  info: SentimentModelInfo;
}

/**
 * The sentiment model in force: the newest one the brand trained (`kemai listening train`, stored in the database so
 * every process loads it), else the shipped one. `refresh` (run by the scan job) picks up a model another process saved.
 */
export class ModelsService {
  /** Loaded on first use: a process that never scores a text never reads the model file. */
  private model: SentimentModel | null = null;
  private status: Omit<ModelStatus, 'info'> = { id: 'shipped', origin: 'shipped', trainedBy: null };
  private readonly clock: Clock;

  constructor(
    private readonly db: Db,
    clock?: Clock,
  ) {
    this.clock = clock ?? systemClock;
  }

  /** The model to score with now. */
  current(): SentimentModel {
    this.model ??= SentimentModel.shipped();
    return this.model;
  }

  describe(): ModelStatus {
    return { ...this.status, info: this.current().info };
  }

  /** Loads the newest stored model when it differs from the one in use (a shipped model stays unread until used). */
  async refresh(): Promise<void> {
    const newest = await queryOne<{ id: string }>(this.db, sql`select id from listening.models where kind = 'sentiment' order by created_at desc, id desc limit 1`);
    if (!newest) {
      if (this.status.origin !== 'shipped') {
        this.model = null;
        this.status = { id: 'shipped', origin: 'shipped', trainedBy: null };
      }
      return;
    }
    if (newest.id === this.status.id) return;
    const row = await queryOne<{ id: string; data: Buffer | Uint8Array; trained_by: string }>(this.db, sql`select id, data, trained_by from listening.models where id = ${newest.id}::uuid`);
    this.use(SentimentModel.fromBuffer(Buffer.from(row!.data)), { id: row!.id, origin: 'trained', trainedBy: row!.trained_by });
  }

  /** Stores a trained model and puts it in use. */
  async save(model: SentimentModel, actor: string): Promise<ModelStatus> {
    const id = newId();
    await this.db.execute(
      sql`insert into listening.models (id, kind, data, info, trained_by, created_at)
          values (${id}::uuid, 'sentiment', ${model.toBuffer()}, ${JSON.stringify(model.info)}::jsonb, ${actor}, ${this.clock.now().toISOString()}::timestamptz)`,
    );
    this.use(model, { id, origin: 'trained', trainedBy: actor });
    return this.describe();
  }

  /** Goes back to the shipped model (the brand's trained ones are deleted). */
  async reset(): Promise<ModelStatus> {
    await this.db.execute(sql`delete from listening.models where kind = 'sentiment'`);
    this.use(SentimentModel.shipped(), { id: 'shipped', origin: 'shipped', trainedBy: null });
    return this.describe();
  }

  private use(model: SentimentModel, s: Omit<ModelStatus, 'info'>): void {
    this.model = model;
    this.status = s;
  }
}
