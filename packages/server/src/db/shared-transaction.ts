import type { Transaction } from "kysely";
import type { Db } from "./database.js";
import type { ItemOutcome } from "./group-commit.js";
import type { Database } from "./schema.js";
import { isStorageUnavailable } from "./storage-errors.js";
import { isDatabaseUnavailable } from "./unavailable.js";

/**
 * A failure every other write meets too (the database out of reach, its disk full or failing):
 * writing a batch's items again one by one would only repeat it.
 */
export function failsEveryWrite(err: unknown): boolean {
  return isDatabaseUnavailable(err) || isStorageUnavailable(err);
}

/**
 * Writes a batch of independent items in one transaction, so they share one commit. If it fails
 * for a reason of its own (a unique value taken meanwhile, say) rather than an unreachable
 * database or a full disk, each item is written again alone, so one item's fault is answered to it only.
 */
export async function writeTogether<In, Out>(
  db: Db,
  items: In[],
  write: (trx: Transaction<Database>, items: In[]) => Promise<Out[]>,
): Promise<ItemOutcome<Out>[]> {
  try {
    const values = await db.kysely.transaction().execute((trx) => write(trx, items));
    return values.map((value) => ({ ok: true, value }));
  } catch (err) {
    if (items.length === 1 || failsEveryWrite(err)) throw err;
    return Promise.all(
      items.map((item) =>
        db.kysely
          .transaction()
          .execute((trx) => write(trx, [item]))
          .then(
            ([value]) => ({ ok: true, value: value as Out }) as const,
            (error: unknown) => ({ ok: false, error }) as const,
          ),
      ),
    );
  }
}
