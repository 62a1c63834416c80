import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isoAt } from "../src/lib/clock.js";
import { isSessionLive } from "../src/modules/sessions/store.js";
import { AccessTokenVerifier } from "../src/modules/tokens/access-tokens.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";

describe.each(dialects())("AccessTokenVerifier (%s)", (dialect) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server.close());

  it("keeps a revoked session's token refused even after its revocation marker is evicted", async () => {
    const { keys } = await createTestOrganization(server);
    const guest = await call(server.consumer, "POST", "/api/v1/auth/guest", {
      headers: { "x-publishable-key": keys.publishableLive },
    });
    const token = guest.json().accessToken as string;
    const sessionId = decodeJwt(token).sessionId as string;
    // Room for one entry only, so the next revocation evicts this one's marker.
    const verifier = new AccessTokenVerifier(
      server.deps.signingKeys,
      server.clock,
      (id) => isSessionLive(server.deps.db, id, isoAt(server.clock.now())),
      1,
    );
    expect((await verifier.verify(token)).ok).toBe(true); // cached

    await server.deps.db.kysely
      .updateTable("sessions")
      .set({ revoked_at: isoAt(server.clock.now()) })
      .where("id", "=", sessionId)
      .execute();
    verifier.apply({ type: "session", sessionId });
    verifier.apply({ type: "session", sessionId: "sess_01JSOMEOTHERSESSION0000000" });
    expect(await verifier.verify(token)).toEqual({ ok: false, reason: "revoked" });
  });
});
