/** What a batch write answers for one item: its own result, or its own refusal. */
export type ItemOutcome<Out> = { ok: true; value: Out } | { ok: false; error: unknown };

/** Writes one batch in one transaction; throwing fails every item of that batch, and only those. */
export type BatchWriter<In, Out> = (key: string, items: In[]) => Promise<ItemOutcome<Out>[]>;

export interface GroupCommitOptions {
  /** The most items one transaction carries. */
  maxBatch: number;
  /** The longest an item waits for the batch ahead of it before its own batch goes anyway. */
  maxWaitMs: number;
  /**
   * Batches of one key in flight at once. Two let the next batch wait for its connection and the
   * lock while the previous one commits; more only chop the stream into small transactions that
   * queue behind one another (measured: batches of 7 waiting 400 ms for their turn).
   */
  maxInFlight: number;
}

export const DEFAULT_GROUP_COMMIT: GroupCommitOptions = { maxBatch: 256, maxWaitMs: 5, maxInFlight: 2 };

interface Waiting<In, Out> {
  item: In;
  since: number;
  resolve: (value: Out) => void;
  reject: (error: unknown) => void;
}

interface Lane<In, Out> {
  inFlight: number;
  gathering: Waiting<In, Out>[];
  timer: NodeJS.Timeout | undefined;
  /** An idle lane's batch leaves at the end of the event loop's current I/O phase. */
  immediate: NodeJS.Immediate | undefined;
}

/**
 * Natural batching of writes that share a lock or a commit: with nothing in flight for a key an
 * item is written in the same turn of the event loop (`setImmediate`: no timer, no added wait
 * when idle), together with every item that the same I/O phase delivered; while a batch is being
 * written, the next items for that key gather and go together as soon as it ends — or, if fewer
 * than `maxInFlight` batches are being written, when they fill a batch or have waited `maxWaitMs`.
 * Under load one commit carries many requests; idle, each goes alone. The same-turn gathering is
 * what batches anything on SQLite: its driver is synchronous, so a batch is written before the
 * next request is even parsed and "while a batch is being written" never gathers there.
 * Reads that can share one statement (status polls) batch the same way.
 */
export class GroupCommit<In, Out> {
  private readonly lanes = new Map<string, Lane<In, Out>>();
  private batches = 0;

  constructor(
    private readonly write: BatchWriter<In, Out>,
    private readonly options: GroupCommitOptions = DEFAULT_GROUP_COMMIT,
  ) {}

  submit(key: string, item: In): Promise<Out> {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { inFlight: 0, gathering: [], timer: undefined, immediate: undefined };
      this.lanes.set(key, lane);
    }
    const current = lane;
    return new Promise<Out>((resolve, reject) => {
      current.gathering.push({ item, since: Date.now(), resolve, reject });
      if (this.full(current)) this.dispatch(key, current);
      else if (current.inFlight === 0) this.dispatchThisTurn(key, current);
      else this.armTimer(key, current);
    });
  }

  /** Batches written so far (all keys): a test can see that many requests shared few commits. */
  get batchCount(): number {
    return this.batches;
  }

  private full(lane: Lane<In, Out>): boolean {
    return lane.gathering.length >= this.options.maxBatch && lane.inFlight < this.options.maxInFlight;
  }

  private dispatchThisTurn(key: string, lane: Lane<In, Out>): void {
    lane.immediate ??= setImmediate(() => {
      lane.immediate = undefined;
      if (lane.gathering.length > 0 && lane.inFlight < this.options.maxInFlight) this.dispatch(key, lane);
    });
  }

  private armTimer(key: string, lane: Lane<In, Out>): void {
    const oldest = lane.gathering[0];
    if (lane.timer || !oldest) return;
    const delay = Math.max(0, oldest.since + this.options.maxWaitMs - Date.now());
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      // At the limit of batches in flight, the next one goes when one of them ends.
      if (lane.gathering.length > 0 && lane.inFlight < this.options.maxInFlight) this.dispatch(key, lane);
    }, delay);
  }

  private dispatch(key: string, lane: Lane<In, Out>): void {
    clearTimeout(lane.timer);
    lane.timer = undefined;
    clearImmediate(lane.immediate);
    lane.immediate = undefined;
    const batch = lane.gathering.splice(0, this.options.maxBatch);
    lane.inFlight++;
    this.batches++;
    void this.run(key, batch).finally(() => {
      lane.inFlight--;
      if (lane.gathering.length > 0) this.dispatch(key, lane);
      else if (lane.inFlight === 0) this.lanes.delete(key);
    });
    if (this.full(lane)) this.dispatch(key, lane);
    else if (lane.inFlight < this.options.maxInFlight) this.armTimer(key, lane);
  }

  private async run(key: string, batch: Waiting<In, Out>[]): Promise<void> {
    try {
      const outcomes = await this.write(
        key,
        batch.map((waiting) => waiting.item),
      );
      batch.forEach((waiting, i) => {
        const outcome = outcomes[i];
        if (outcome?.ok) waiting.resolve(outcome.value);
        else waiting.reject(outcome ? outcome.error : new Error("group commit: the writer answered no outcome"));
      });
    } catch (err) {
      for (const waiting of batch) waiting.reject(err);
    }
  }
}
