import type { Transaction } from "kysely";
import type { Db } from "./database.js";
import type { ItemOutcome } from "./group-commit.js";
import type { Database } from "./schema.js";
import { isDatabaseUnavailable } from "./unavailable.js";

/**
 * Writes a batch of independent items in one transaction, so they share one commit. If it fails
 * for a reason of its own (a unique value taken meanwhile, say) rather than an unreachable
 * database, each item is written again alone, so one item's fault is answered to it only.
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
    if (items.length === 1 || isDatabaseUnavailable(err)) throw err;
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
