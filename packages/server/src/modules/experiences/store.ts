import type { Transaction } from "kysely";
import type { Db } from "../../db/database.js";
import { preparedQuery } from "../../db/prepared.js";
import type { Database, ExperiencesTable } from "../../db/schema.js";
import { inTenant, pageById } from "../../db/scoped-queries.js";
import type { TenantScope } from "../../lib/tenant.js";

export interface Experience {
  id: string;
  name: string;
  openAt: string | null;
  closeAt: string | null;
  timeZone: string;
  createdAt: string;
  updatedAt: string;
}

type Executor = Db["kysely"] | Transaction<Database>;

function toExperience(row: ExperiencesTable): Experience {
  return {
    id: row.id,
    name: row.name,
    openAt: row.open_at,
    closeAt: row.close_at,
    timeZone: row.time_zone,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function insertExperience(trx: Executor, scope: TenantScope, experience: Experience): Promise<void> {
  await trx
    .insertInto("experiences")
    .values({
      id: experience.id,
      organization_id: scope.organizationId,
      mode: scope.mode,
      name: experience.name,
      open_at: experience.openAt,
      close_at: experience.closeAt,
      time_zone: experience.timeZone,
      created_at: experience.createdAt,
      updated_at: experience.updatedAt,
      deleted_at: null,
    })
    .execute();
}

// The admin read of an experience is a hot path: compiled once, not on every request.
const selectLiveExperience = preparedQuery(3, (kysely, organizationId: string, mode: string, id: string) =>
  kysely
    .selectFrom("experiences")
    .selectAll()
    .where("organization_id", "=", organizationId)
    .where("mode", "=", mode as TenantScope["mode"])
    .where("id", "=", id)
    .where("deleted_at", "is", null),
);

/** A live (not deleted) experience of this tenant. */
export async function getExperience(db: Db, scope: TenantScope, id: string): Promise<Experience | undefined> {
  const [row] = await selectLiveExperience(db, scope.organizationId, scope.mode, id);
  return row ? toExperience(row) : undefined;
}

export async function listExperiences(
  db: Db,
  scope: TenantScope,
  page: { first: number; after?: string | undefined },
): Promise<{ experiences: Experience[]; hasNextPage: boolean }> {
  const query = db.kysely.selectFrom("experiences").selectAll().$call(inTenant(scope)).where("deleted_at", "is", null);
  const { rows, hasNextPage } = await pageById(query, page);
  return { experiences: rows.map(toExperience), hasNextPage };
}

export async function saveExperience(
  trx: Executor,
  scope: TenantScope,
  experience: Experience,
  deletedAt: string | null = null,
): Promise<void> {
  await trx
    .updateTable("experiences")
    .set({
      name: experience.name,
      open_at: experience.openAt,
      close_at: experience.closeAt,
      time_zone: experience.timeZone,
      updated_at: experience.updatedAt,
      deleted_at: deletedAt,
    })
    .$call(inTenant(scope))
    .where("id", "=", experience.id)
    .execute();
}
