import { describe, expect, it } from "vitest";
import { GroupCommit, type ItemOutcome } from "./group-commit.js";

/** A writer whose batches finish when the test says so, recording what each batch carried. */
function heldWriter() {
  const batches: number[][] = [];
  const finish: (() => void)[] = [];
  const write = (_key: string, items: number[]) => {
    batches.push(items);
    return new Promise<ItemOutcome<number>[]>((resolve) => {
      finish.push(() =>
        resolve(
          items.map((item) =>
            item < 0 ? { ok: false, error: new Error(`refused ${item}`) } : { ok: true, value: item * 10 },
          ),
        ),
      );
    });
  };
  return { batches, finish, write };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("GroupCommit", () => {
  it("writes at once when idle, gathers while a batch is written, and answers each item on its own", async () => {
    const writer = heldWriter();
    const commit = new GroupCommit(writer.write, { maxBatch: 100, maxWaitMs: 60_000, maxInFlight: 2 });
    const first = commit.submit("q", 1);
    await tick();
    expect(writer.batches).toEqual([[1]]);
    const gathered = [2, -3, 4].map((item) => commit.submit("q", item).catch((err: Error) => err.message));
    const otherKey = commit.submit("other", 9);
    await tick();
    expect(writer.batches).toEqual([[1], [9]]);
    writer.finish[0]?.();
    expect(await first).toBe(10);
    await tick();
    expect(writer.batches).toEqual([[1], [9], [2, -3, 4]]);
    writer.finish[2]?.();
    expect(await Promise.all(gathered)).toEqual([20, "refused -3", 40]);
    writer.finish[1]?.();
    expect(await otherKey).toBe(90);
    expect(commit.batchCount).toBe(3);
  });

  it("sends everything submitted in one turn of the event loop as one batch when idle", async () => {
    const writer = heldWriter();
    const commit = new GroupCommit(writer.write, { maxBatch: 100, maxWaitMs: 60_000, maxInFlight: 2 });
    const answers = [1, 2, 3].map((item) => commit.submit("q", item));
    expect(writer.batches).toEqual([]); // nothing written before the turn ends
    await tick();
    expect(writer.batches).toEqual([[1, 2, 3]]);
    writer.finish[0]?.();
    expect(await Promise.all(answers)).toEqual([10, 20, 30]);
  });

  it("sends a full batch, or one that waited its limit, without waiting for the batch ahead", async () => {
    const writer = heldWriter();
    const commit = new GroupCommit(writer.write, { maxBatch: 2, maxWaitMs: 20, maxInFlight: 3 });
    void commit.submit("q", 1);
    void commit.submit("q", 2);
    void commit.submit("q", 3);
    await tick();
    // A full batch goes at once; the item after it waits for it, but no longer than its limit.
    expect(writer.batches).toEqual([[1, 2]]);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(writer.batches).toEqual([[1, 2], [3]]);
    void commit.submit("q", 4);
    await tick();
    expect(writer.batches).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(writer.batches).toEqual([[1, 2], [3], [4]]);

    // Three batches in flight: the next waits past its limit, and goes when one of them ends.
    void commit.submit("q", 5);
    void commit.submit("q", 6);
    void commit.submit("q", 7);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(writer.batches).toHaveLength(3);
    writer.finish[0]?.();
    await tick();
    expect(writer.batches).toEqual([[1, 2], [3], [4], [5, 6]]);
    writer.finish[1]?.();
    await tick();
    expect(writer.batches.at(-1)).toEqual([7]);
  });

  it("fails every item of a batch whose write throws, and only those", async () => {
    let calls = 0;
    const commit = new GroupCommit<number, number>(
      async (_key, items) => {
        calls++;
        if (calls === 2) throw new Error("database gone");
        await tick();
        return items.map((item) => ({ ok: true, value: item }));
      },
      { maxBatch: 10, maxWaitMs: 60_000, maxInFlight: 2 },
    );
    const first = commit.submit("q", 1);
    await tick(); // the first batch is being written; the next three gather behind it
    const results = await Promise.allSettled([first, ...[2, 3, 4].map((item) => commit.submit("q", item))]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "rejected", "rejected"]);
    expect(await commit.submit("q", 5)).toBe(5);
  });
});
