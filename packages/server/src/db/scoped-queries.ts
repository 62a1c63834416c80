import type { SelectQueryBuilder } from "kysely";
import type { TenantScope } from "../lib/tenant.js";

/*
 * What every store query shares: the tenant filter, and newest-first keyset pages. One place, so
 * a store cannot forget the mode beside the organization, nor page in another order.
 */

/** Any query builder with a WHERE (select, update, delete) over a tenant table. */
// biome-ignore lint/suspicious/noExplicitAny: Kysely types `where` by the builder's own tables
type Filterable = { where(...args: any[]): unknown };

/** `qb.$call(inTenant(scope))`: both tenant columns in the WHERE. */
export function inTenant(scope: TenantScope) {
  return <QB extends Filterable>(qb: QB): QB => {
    const byOrganization = qb.where("organization_id", "=", scope.organizationId) as QB;
    return byOrganization.where("mode", "=", scope.mode) as QB;
  };
}

/** One page, newest first by id: the rows after the cursor (an id), and whether more follow. */
export async function pageById<R>(
  // biome-ignore lint/suspicious/noExplicitAny: a select from any table with an `id` column
  select: SelectQueryBuilder<any, any, R>,
  page: { first: number; after?: string | undefined },
): Promise<{ rows: R[]; hasNextPage: boolean }> {
  const after = page.after ? select.where("id", "<", page.after) : select;
  const rows = await after
    .orderBy("id", "desc")
    .limit(page.first + 1)
    .execute();
  return { rows: rows.slice(0, page.first), hasNextPage: rows.length > page.first };
}
