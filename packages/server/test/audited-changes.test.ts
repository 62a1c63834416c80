import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InvalidationEvent } from "../src/cache/invalidation.js";
import { newId } from "../src/lib/ids.js";
import { applyChange, inMode } from "../src/modules/audit/apply-change.js";
import { CLI_ACTOR } from "../src/modules/audit/service.js";
import { type Experience, getExperience, insertExperience } from "../src/modules/experiences/store.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";
import { refuseAuditRows } from "./refuse-audit-rows.js";

/** A change and its audit row commit together or not at all; caches hear only of what committed. */
describe.each(dialects())("audited changes (%s)", (dialect) => {
  let server: TestServer;
  let published: InvalidationEvent[];

  beforeAll(async () => {
    server = await createTestServer(dialect);
    published = [];
    server.deps.invalidation.subscribe((event) => published.push(event));
  });
  afterAll(() => server.close());

  async function newExperience() {
    const { organization } = await createTestOrganization(server);
    const tenant = { organizationId: organization.id, mode: "live" as const };
    const now = new Date(server.clock.now()).toISOString();
    const experience: Experience = {
      id: newId("experience", server.clock.now()),
      name: "Drop",
      openAt: null,
      closeAt: null,
      timeZone: "UTC",
      createdAt: now,
      updatedAt: now,
    };
    return { tenant, experience };
  }
  const auditRows = (organizationId: string) =>
    server.deps.db.kysely.selectFrom("audit_log").selectAll().where("organization_id", "=", organizationId).execute();
  const changed = (experience: Experience, tenant: { organizationId: string }): InvalidationEvent => ({
    type: "experience",
    organizationId: tenant.organizationId,
    mode: "live",
    experienceId: experience.id,
  });

  it("commits the change with its audit row, then publishes what it invalidates", async () => {
    const { tenant, experience } = await newExperience();
    published.length = 0;
    let seenByReader: Promise<Experience | undefined> | undefined;
    server.deps.invalidation.subscribe((event) => {
      // Another process reloads as soon as it hears: what it reads must already be committed.
      if (event.type === "experience" && event.experienceId === experience.id) {
        seenByReader = getExperience(server.deps.db, tenant, experience.id);
      }
    });
    const result = await applyChange(server.deps, inMode(tenant, CLI_ACTOR), async (trx, audit) => {
      await insertExperience(trx, tenant, experience);
      await audit({ action: "experience.created", targetType: "experience", targetId: experience.id });
      return { result: experience.id, invalidate: [changed(experience, tenant)] };
    });
    expect(result).toBe(experience.id);
    expect(published).toEqual([changed(experience, tenant)]);
    expect(await seenByReader).toMatchObject({ id: experience.id });
    expect((await auditRows(tenant.organizationId)).map((row) => row.action)).toEqual(["experience.created"]);
  });

  it("leaves neither the change nor its audit row when the change throws, and publishes nothing", async () => {
    const { tenant, experience } = await newExperience();
    published.length = 0;
    const failing = applyChange(server.deps, inMode(tenant, CLI_ACTOR), async (trx, audit) => {
      await insertExperience(trx, tenant, experience);
      await audit({ action: "experience.created", targetType: "experience", targetId: experience.id });
      throw new Error("the change failed after writing");
    });
    await expect(failing).rejects.toThrow("the change failed after writing");
    expect(await getExperience(server.deps.db, tenant, experience.id)).toBeUndefined();
    expect(await auditRows(tenant.organizationId)).toEqual([]);
    expect(published).toEqual([]);
  });

  it("leaves no change when the database refuses its audit row", async () => {
    const { tenant, experience } = await newExperience();
    published.length = 0;
    const allow = await refuseAuditRows(server, ["experience.created"]);
    try {
      const refused = applyChange(server.deps, inMode(tenant, CLI_ACTOR), async (trx, audit) => {
        await insertExperience(trx, tenant, experience);
        await audit({ action: "experience.created", targetType: "experience", targetId: experience.id });
        return { result: undefined, invalidate: [changed(experience, tenant)] };
      });
      await expect(refused).rejects.toThrow("audit row refused");
    } finally {
      await allow();
    }
    expect(await getExperience(server.deps.db, tenant, experience.id)).toBeUndefined();
    expect(published).toEqual([]);
  });

  it("rolls back a change that writes no audit row", async () => {
    const { tenant, experience } = await newExperience();
    const unaudited = applyChange(server.deps, inMode(tenant, CLI_ACTOR), async (trx) => {
      await insertExperience(trx, tenant, experience);
      return { result: undefined };
    });
    await expect(unaudited).rejects.toThrow("must write its audit row");
    expect(await getExperience(server.deps.db, tenant, experience.id)).toBeUndefined();
  });

  it("through HTTP: endpoints, alert rules and sign-outs whose audit row fails do not happen", async () => {
    const { keys, organization } = await createTestOrganization(server);
    const admin = (method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown) =>
      call(server.admin, method, `/api/v1${path}`, { key: keys.secretLive, body });
    const kept = await admin("POST", "/webhook-endpoints", {
      url: "https://example.com/hooks",
      events: ["alert.fired"],
    });
    expect(kept.statusCode).toBe(201);
    const endpointId = kept.json().id as string;
    const rules = (await admin("GET", "/alert-rules")).json();
    const guest = await call(server.consumer, "POST", "/api/v1/auth/guest", {
      headers: { "x-publishable-key": keys.publishableLive },
    });
    const { accessToken, session } = guest.json();
    const audited = (await auditRows(organization.id)).length;

    published.length = 0;
    const allow = await refuseAuditRows(server, [
      "webhook_endpoint.created",
      "webhook_endpoint.deleted",
      "alert_rules.updated",
      "consumer.sessions_revoked",
    ]);
    try {
      const another = { url: "https://example.com/other", events: ["alert.fired"] };
      expect((await admin("POST", "/webhook-endpoints", another)).statusCode).toBe(500);
      expect((await admin("DELETE", `/webhook-endpoints/${endpointId}`)).statusCode).toBe(500);
      expect((await admin("PUT", "/alert-rules", { rateLimitApproaching: { enabled: false } })).statusCode).toBe(500);
      expect((await admin("POST", `/consumers/${session.consumerId}/sessions/revoke`)).statusCode).toBe(500);
    } finally {
      await allow();
    }

    expect((await admin("GET", "/webhook-endpoints")).json().data.map((e: { id: string }) => e.id)).toEqual([
      endpointId,
    ]);
    expect((await admin("GET", "/alert-rules")).json()).toEqual(rules);
    const sessions = await call(server.consumer, "GET", "/api/v1/auth/sessions", {
      key: accessToken,
      headers: { "x-publishable-key": keys.publishableLive },
    });
    expect(sessions.json().data).toHaveLength(1);
    expect(await auditRows(organization.id)).toHaveLength(audited);
    expect(published).toEqual([]);
  });
});
