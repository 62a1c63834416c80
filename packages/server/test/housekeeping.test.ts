import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isoAt } from "../src/lib/clock.js";
import { newId } from "../src/lib/ids.js";
import { EXPIRED_ROW_RETENTION_MS, ExpiredRowSweeper } from "../src/modules/housekeeping/sweeper.js";
import { createOrganization } from "../src/modules/orgs/service.js";
import { createTestServer, dialects, type TestServer } from "./harness.js";

describe.each(dialects())("expired-row sweeper (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server.close());

  it("deletes rows a week past their expiry, of every tenant, and keeps the rest", async () => {
    const { kysely } = server.deps.db;
    const now = server.clock.now();
    const longGone = isoAt(now - EXPIRED_ROW_RETENTION_MS - 60_000);
    const recentlyExpired = isoAt(now - EXPIRED_ROW_RETENTION_MS + 60_000);
    const live = isoAt(now + 60_000);
    const ends = { longGone, recentlyExpired, live };

    const { organization, keys } = await createOrganization(server.deps, { name: "Sweep", plan: "pro" });
    const keyId = (
      await kysely
        .selectFrom("api_keys")
        .select("id")
        .where("organization_id", "=", organization.id)
        .executeTakeFirstOrThrow()
    ).id;
    const guest = await server.consumer.inject({
      method: "POST",
      url: "/api/v1/auth/guest",
      headers: { "x-publishable-key": keys.publishableLive },
    });
    const consumerId = guest.json().session.consumerId as string;
    const memberId = newId("member");
    await kysely
      .insertInto("members")
      .values({
        id: memberId,
        organization_id: organization.id,
        email: "sweep@example.com",
        role: "owner",
        created_at: isoAt(now),
        last_signed_in_at: null,
      })
      .execute();

    for (const [name, expiresAt] of Object.entries(ends)) {
      const common = { created_at: isoAt(now), expires_at: expiresAt };
      await kysely
        .insertInto("dashboard_sessions")
        .values({
          ...common,
          id: `dsess_${name}`,
          member_id: memberId,
          organization_id: organization.id,
          token_digest: `d_${name}`,
          last_seen_at: isoAt(now),
          revoked_at: null,
          ip: null,
          user_agent: null,
        })
        .execute();
      await kysely
        .insertInto("member_invitations")
        .values({
          ...common,
          id: `inv_${name}`,
          organization_id: organization.id,
          email: `${name}@example.com`,
          role: "viewer",
          code_digest: `c_${name}`,
          invited_by: null,
          accepted_at: null,
          revoked_at: null,
        })
        .execute();
      await kysely
        .insertInto("exchange_codes")
        .values({
          ...common,
          digest: `x_${name}`,
          organization_id: organization.id,
          mode: "live",
          consumer_id: consumerId,
          consumed_at: null,
          session_id: null,
          replayed_at: null,
        })
        .execute();
      await kysely
        .insertInto("api_key_previous_digests")
        .values({ digest: `p_${name}`, key_id: keyId, expires_at: expiresAt })
        .execute();
      await kysely
        .insertInto("dashboard_sign_in_codes")
        .values({ attempt_digest: `e_${name}`, digest: `s_${name}`, attempts: 0, expires_at: expiresAt })
        .execute();
      await kysely
        .insertInto("code_deliveries")
        .values({
          organization_id: organization.id,
          mode: "live",
          bucket_start: `b_${name}`,
          delivered: 1,
          failed: 0,
          last_delivered_at: null,
          last_failed_at: null,
          expires_at: expiresAt,
        })
        .execute();
      await kysely
        .insertInto("queue_activity")
        .values({
          queue_id: `que_${name}`,
          bucket_start: `b_${name}`,
          kind: "arrivals",
          count: 1,
          expires_at: expiresAt,
        })
        .execute();
    }

    const sweeper = new ExpiredRowSweeper(server.deps.db, server.clock, server.deps.logger);
    expect(await sweeper.sweep()).toEqual({
      dashboard_sessions: 1,
      member_invitations: 1,
      exchange_codes: 1,
      api_key_previous_digests: 1,
      dashboard_sign_in_codes: 1,
      code_deliveries: 1,
      queue_activity: 1,
    });
    const idsLeft = async (table: "dashboard_sessions" | "member_invitations") =>
      (await kysely.selectFrom(table).select("id").execute()).map((row) => row.id).sort();
    expect(await idsLeft("dashboard_sessions")).toEqual(["dsess_live", "dsess_recentlyExpired"]);
    expect(await idsLeft("member_invitations")).toEqual(["inv_live", "inv_recentlyExpired"]);
    const codes = await kysely.selectFrom("exchange_codes").select("digest").execute();
    expect(codes.map((row) => row.digest).sort()).toEqual(["x_live", "x_recentlyExpired"]);
    const digests = await kysely.selectFrom("api_key_previous_digests").select("digest").execute();
    expect(digests.map((row) => row.digest).sort()).toEqual(["p_live", "p_recentlyExpired"]);
    const signInCodes = await kysely.selectFrom("dashboard_sign_in_codes").select("attempt_digest").execute();
    expect(signInCodes.map((row) => row.attempt_digest).sort()).toEqual(["e_live", "e_recentlyExpired"]);

    // A week later the recently expired go too; the sweep is idempotent.
    server.clock.advance(2 * 60_000);
    expect(Object.values(await sweeper.sweep())).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(Object.values(await sweeper.sweep())).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it("forgets a rotated refresh token's sealed successor once the reuse leeway has passed", async () => {
    const { kysely } = server.deps.db;
    const { keys } = await createOrganization(server.deps, { name: "Successors", plan: "pro" });
    const headers = { "x-publishable-key": keys.publishableLive };
    const guest = await server.consumer.inject({ method: "POST", url: "/api/v1/auth/guest", headers });
    const refresh = (refreshToken: string) =>
      server.consumer.inject({ method: "POST", url: "/api/v1/auth/refresh", headers, payload: { refreshToken } });
    const first = await refresh(guest.json().refreshToken);
    expect(first.statusCode).toBe(200);
    const sealed = () =>
      kysely.selectFrom("refresh_tokens").select("digest").where("successor_encrypted", "is not", null).execute();
    expect(await sealed()).toHaveLength(1);

    const sweeper = new ExpiredRowSweeper(server.deps.db, server.clock, server.deps.logger);
    server.clock.advance(5_000);
    expect(await sweeper.forgetSuccessors()).toBe(0); // inside the leeway a duplicate still gets it
    expect((await refresh(guest.json().refreshToken)).json().refreshToken).toBe(first.json().refreshToken);

    server.clock.advance(6_000);
    expect(await sweeper.forgetSuccessors()).toBeGreaterThanOrEqual(1);
    expect(await sealed()).toHaveLength(0);
    // Past the leeway the old token is reuse: refused, and the session with it.
    expect((await refresh(guest.json().refreshToken)).statusCode).toBe(401);
    expect((await refresh(first.json().refreshToken)).statusCode).toBe(401);
  });
});
