import { decodeJwt } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import { createTestOrganization, createTestServer, dialects, type TestServer } from "./harness.js";
import { call } from "./http.js";

const INVALID_ADMISSION = '{"valid":false,"error":"invalid_admission"}';

/** The token with the first character of its signature changed (every bit of it counts). */
function tampered(token: string): string {
  const at = token.lastIndexOf(".") + 1;
  return `${token.slice(0, at)}${token[at] === "A" ? "B" : "A"}${token.slice(at + 1)}`;
}

describe.each(dialects())("queue participation (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;
  let experienceId: string;
  let guestCounter = 0;

  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    ({ keys } = await createTestOrganization(server));
    experienceId = (
      await call(server.admin, "POST", "/api/v1/experiences", { key: keys.secretLive, body: { name: "Holiday Sale" } })
    ).json().id;
  });

  async function createQueue(fields: Record<string, unknown> = {}, key = keys.secretLive): Promise<string> {
    const experience =
      key === keys.secretLive
        ? experienceId
        : (await call(server.admin, "POST", "/api/v1/experiences", { key, body: { name: "Other" } })).json().id;
    const response = await call(server.admin, "POST", `/api/v1/experiences/${experience}/queues`, {
      key,
      body: { name: "Main", ...fields },
    });
    expect(response.statusCode).toBe(201);
    return response.json().id;
  }

  /** A guest consumer's access token; each from its own address so the guest limit is not in the way. */
  async function guest(publishable = keys.publishableLive): Promise<{ token: string; consumerId: string }> {
    guestCounter++;
    const remoteAddress = `10.${(guestCounter >> 16) & 255}.${(guestCounter >> 8) & 255}.${guestCounter & 255}`;
    const response = await call(server.consumer, "POST", "/api/v1/auth/guest", {
      headers: { "x-publishable-key": publishable },
      remoteAddress,
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    return { token: body.accessToken, consumerId: body.session.consumerId };
  }

  const asConsumer = (
    token: string,
    method: "GET" | "POST",
    url: string,
    headers: Record<string, string> = {},
    publishable = keys.publishableLive,
  ) => call(server.consumer, method, url, { key: token, headers: { "x-publishable-key": publishable, ...headers } });
  const enter = (token: string, queueId: string, headers: Record<string, string> = {}) =>
    asConsumer(token, "POST", `/api/v1/queues/${queueId}/enter`, headers);
  const status = (token: string, queueId: string) => asConsumer(token, "GET", `/api/v1/queues/${queueId}/status`);
  const server_ = (action: string, queueId: string, body: unknown, key = keys.secretLive, headers = {}) =>
    call(server.consumer, "POST", `/api/v1/queues/${queueId}/${action}`, { key, body, headers });

  it("hands out places in arrival order, idempotently, and moves everyone up when someone leaves", async () => {
    const queueId = await createQueue();
    const [a, b, c] = [await guest(), await guest(), await guest()];
    const first = await enter(a.token, queueId, { "x-fingerprint": "fp_device_a" });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({
      queueId,
      consumerId: a.consumerId,
      status: "QUEUED",
      position: 1,
      enteredAt: new Date(server.clock.now()).toISOString(),
      admittedAt: null,
      admissionToken: null,
      admissionExpiresAt: null,
      denyReason: null,
    });
    const again = await enter(a.token, queueId);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect((await enter(b.token, queueId)).json().position).toBe(2);
    expect((await enter(c.token, queueId)).json().position).toBe(3);

    const publicView = await call(server.consumer, "GET", `/api/v1/queues/${queueId}`, {
      headers: { "x-publishable-key": keys.publishableLive },
    });
    expect(publicView.json().consumerCount).toBe(3);

    const left = await asConsumer(b.token, "POST", `/api/v1/queues/${queueId}/leave`);
    expect(left.statusCode).toBe(200);
    expect(left.json()).toEqual({ queueId, consumerId: b.consumerId, status: "LEFT", position: null });
    expect((await asConsumer(b.token, "POST", `/api/v1/queues/${queueId}/leave`)).json().status).toBe("LEFT");
    expect((await status(c.token, queueId)).json().position).toBe(2);
    expect((await status(b.token, queueId)).json()).toMatchObject({ status: "LEFT", position: null });

    // Coming back is a new arrival at the back of the line.
    const back = await enter(b.token, queueId);
    expect(back.statusCode).toBe(201);
    expect(back.json()).toMatchObject({ status: "QUEUED", position: 3 });
    const adminView = await call(server.admin, "GET", `/api/v1/queues/${queueId}`, { key: keys.secretLive });
    expect(adminView.json().consumerCount).toBe(3);
  });

  it("serves the public queue view from a one-second cache, the window still judged now", async () => {
    const queueId = await createQueue({ closeAt: new Date(server.clock.now() + 500).toISOString() });
    const view = () =>
      call(server.consumer, "GET", `/api/v1/queues/${queueId}`, {
        headers: { "x-publishable-key": keys.publishableLive },
      });
    expect((await view()).json()).toMatchObject({ consumerCount: 0, status: "OPEN" });
    await enter((await guest()).token, queueId);
    expect((await view()).json().consumerCount).toBe(0);
    server.clock.advance(500);
    expect((await view()).json()).toMatchObject({ consumerCount: 0, status: "CLOSED" });
    server.clock.advance(500);
    expect((await view()).json().consumerCount).toBe(1);
  });

  it("answers 404 for a queue it cannot see and for a consumer who never entered", async () => {
    const queueId = await createQueue();
    const a = await guest();
    const missing = await enter(a.token, "queue_01J0000000000000000000000");
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toBe('{"error":"Queue not found"}');
    const notIn = await status(a.token, queueId);
    expect(notIn.statusCode).toBe(404);
    expect(notIn.body).toBe('{"error":"Consumer not in queue"}');
    const leave = await asConsumer(a.token, "POST", `/api/v1/queues/${queueId}/leave`);
    expect(leave.body).toBe('{"error":"Consumer not in queue"}');
    expect((await status(a.token, "queue_01J0000000000000000000000")).body).toBe('{"error":"Queue not found"}');
  });

  it("answers 404 Queue not found to a consumer polling a queue deleted after they entered", async () => {
    const queueId = await createQueue();
    const a = await guest();
    expect((await enter(a.token, queueId)).statusCode).toBe(201);
    expect((await status(a.token, queueId)).json()).toMatchObject({ status: "QUEUED", position: 1 });
    const deleted = await call(server.admin, "DELETE", `/api/v1/queues/${queueId}`, { key: keys.secretLive });
    expect(deleted.statusCode).toBe(200);
    const polled = await status(a.token, queueId);
    expect(polled.statusCode).toBe(404);
    expect(polled.body).toBe('{"error":"Queue not found"}');
  });

  it("refuses entry before the window with Retry-After, after it, and past capacity", async () => {
    const later = await createQueue({ openAt: new Date(server.clock.now() + 90_500).toISOString() });
    const a = await guest();
    const early = await enter(a.token, later);
    expect(early.statusCode).toBe(423);
    expect(early.body).toBe('{"error":"Queue is not open yet"}');
    expect(early.headers["retry-after"]).toBe("91");

    const over = await createQueue({ status: "CLOSED" });
    const closed = await enter(a.token, over);
    expect(closed.statusCode).toBe(423);
    expect(closed.body).toBe('{"error":"Queue is closed"}');

    const small = await createQueue({ capacity: 2 });
    const [b, c] = [await guest(), await guest()];
    expect((await enter(a.token, small)).statusCode).toBe(201);
    expect((await enter(b.token, small)).statusCode).toBe(201);
    const full = await enter(c.token, small);
    expect(full.statusCode).toBe(429);
    expect(full.body).toBe('{"error":"Queue is full"}');
    expect((await enter(a.token, small)).statusCode).toBe(200);
    await asConsumer(a.token, "POST", `/api/v1/queues/${small}/leave`);
    expect((await enter(c.token, small)).json()).toMatchObject({ status: "QUEUED", position: 2 });
  });

  it("frees the place of an admission that ran out", async () => {
    const queueId = await createQueue({ capacity: 1, admissionTtlSeconds: 60 });
    const [a, b] = [await guest(), await guest()];
    await enter(a.token, queueId);
    await server_("admit", queueId, { count: 1 });
    expect((await enter(b.token, queueId)).statusCode).toBe(429);
    server.clock.advance(60_000);
    expect((await status(a.token, queueId)).json()).toMatchObject({
      status: "EXPIRED",
      position: null,
      admissionToken: null,
    });
    expect((await enter(b.token, queueId)).json()).toMatchObject({ status: "QUEUED", position: 1 });
    const adminView = await call(server.admin, "GET", `/api/v1/queues/${queueId}`, { key: keys.secretLive });
    expect(adminView.json().consumerCount).toBe(1);
  });

  it("admits the next N in order, one by id, and issues tokens bound to queue, consumer and device", async () => {
    const queueId = await createQueue({ admissionTtlSeconds: 600 });
    const people: { token: string; consumerId: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const person = await guest();
      await enter(person.token, queueId, { "x-fingerprint": `fp_device_${i}` });
      people.push(person);
    }
    const [p0, p1, p2, p3, p4] = people as [
      (typeof people)[0],
      (typeof people)[0],
      (typeof people)[0],
      (typeof people)[0],
      (typeof people)[0],
    ];
    const byId = await server_("admit", queueId, { consumerId: p3.consumerId });
    expect(byId.statusCode).toBe(200);
    expect(byId.json()).toMatchObject({ consumerId: p3.consumerId, status: "ADMITTED", position: 0 });
    expect((await status(p4.token, queueId)).json().position).toBe(4);

    const batch = await server_("admit", queueId, { count: 2 });
    expect(batch.json().data.map((s: { consumerId: string }) => s.consumerId)).toEqual([p0.consumerId, p1.consumerId]);
    expect((await status(p2.token, queueId)).json().position).toBe(1);
    expect((await status(p4.token, queueId)).json().position).toBe(2);

    const admitted = (await status(p0.token, queueId)).json();
    expect(admitted).toMatchObject({
      status: "ADMITTED",
      position: 0,
      admittedAt: new Date(server.clock.now()).toISOString(),
      admissionExpiresAt: new Date(server.clock.now() + 600_000).toISOString(),
    });
    const token = admitted.admissionToken as string;
    expect(decodeJwt(token)).toMatchObject({ sub: p0.consumerId, queueId });
    expect(token).toBe(batch.json().data[0].admissionToken);

    const validate = (body: Record<string, unknown>, headers: Record<string, string> = {}, queue = queueId) =>
      server_("validate", queue, body, keys.secretLive, headers);
    const good = await validate({ consumerId: p0.consumerId, token, fingerprint: "fp_device_0" });
    expect(good.statusCode).toBe(200);
    expect(good.body).toBe("true");
    expect((await validate({ consumerId: p0.consumerId, token }, { "x-fingerprint": "fp_device_0" })).body).toBe(
      "true",
    );

    const otherQueue = await createQueue();
    const rejections: [Record<string, unknown>, string?][] = [
      [{ consumerId: p1.consumerId, token, fingerprint: "fp_device_0" }],
      [{ consumerId: p0.consumerId, token, fingerprint: "fp_device_1" }],
      [{ consumerId: p0.consumerId, token }],
      [{ consumerId: p0.consumerId, token: tampered(token), fingerprint: "fp_device_0" }],
      [{ consumerId: p0.consumerId, token: p0.token, fingerprint: "fp_device_0" }],
      [{ consumerId: p0.consumerId, token, fingerprint: "fp_device_0" }, otherQueue],
    ];
    for (const [body, queue] of rejections) {
      const response = await validate(body, {}, queue);
      expect(response.statusCode, JSON.stringify(body)).toBe(403);
      expect(response.body).toBe(INVALID_ADMISSION);
    }
    const mismatch = await validate({ consumerId: p0.consumerId, token, fingerprint: "fp_device_1" });
    expect(mismatch.headers["x-fingerprint-mismatch"]).toBe("true");

    const completed = await server_("complete", queueId, { consumerId: p0.consumerId });
    expect(completed.json()).toEqual({
      queueId,
      consumerId: p0.consumerId,
      status: "COMPLETED",
      completedAt: new Date(server.clock.now()).toISOString(),
    });
    expect((await server_("complete", queueId, { consumerId: p0.consumerId })).statusCode).toBe(200);
    expect((await validate({ consumerId: p0.consumerId, token, fingerprint: "fp_device_0" })).body).toBe(
      INVALID_ADMISSION,
    );

    const p1Token = (await status(p1.token, queueId)).json().admissionToken;
    server.clock.advance(600_000);
    expect((await validate({ consumerId: p1.consumerId, token: p1Token, fingerprint: "fp_device_1" })).body).toBe(
      INVALID_ADMISSION,
    );
  });

  it("denies with a reason, keeps the denial on re-entry, and refuses moves that do not apply", async () => {
    const queueId = await createQueue();
    const [a, b] = [await guest(), await guest()];
    await enter(a.token, queueId);
    await enter(b.token, queueId);
    const denied = await server_("deny", queueId, { consumerId: a.consumerId, reason: "FRAUD_DETECTED" });
    expect(denied.json()).toMatchObject({ status: "DENIED", denyReason: "FRAUD_DETECTED", position: null });
    const reentry = await enter(a.token, queueId);
    expect(reentry.statusCode).toBe(200);
    expect(reentry.json()).toMatchObject({ status: "DENIED", denyReason: "FRAUD_DETECTED" });
    expect((await status(b.token, queueId)).json().position).toBe(1);

    const complete = await server_("complete", queueId, { consumerId: b.consumerId });
    expect(complete.statusCode).toBe(409);
    expect(complete.json().error).toBe("conflict");
    expect((await server_("admit", queueId, { consumerId: a.consumerId })).statusCode).toBe(409);
    expect((await asConsumer(a.token, "POST", `/api/v1/queues/${queueId}/leave`)).statusCode).toBe(409);
    const stranger = await server_("admit", queueId, { consumerId: "guest_01J0000000000000000000000" });
    expect(stranger.body).toBe('{"error":"Consumer not in queue"}');

    const bad: unknown[] = [{}, { consumerId: a.consumerId, count: 2 }, { count: 0 }, { count: 1001 }];
    for (const body of bad) {
      const response = await server_("admit", queueId, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().error).toBe("validation_error");
    }
    const badReason = await server_("deny", queueId, { consumerId: b.consumerId, reason: "BORED" });
    expect(badReason.statusCode).toBe(400);
    expect((await status(b.token, queueId)).json().status).toBe("QUEUED");
  });

  it("rejects malformed fingerprints with FP003 and changes nothing", async () => {
    const queueId = await createQueue();
    const a = await guest();
    const response = await enter(a.token, queueId, { "x-fingerprint": "fp with spaces" });
    expect(response.statusCode).toBe(400);
    expect(response.headers["x-fingerprint-error"]).toBe("true");
    expect(response.json()).toMatchObject({ error: "FINGERPRINT_INVALID", code: "FP003" });
    expect((await status(a.token, queueId)).statusCode).toBe(404);
  });

  it("keeps queues inside their organization and mode, and each action behind its credential", async () => {
    const liveQueue = await createQueue();
    const testGuest = await guest(keys.publishableTest);
    const crossMode = await asConsumer(
      testGuest.token,
      "POST",
      `/api/v1/queues/${liveQueue}/enter`,
      {},
      keys.publishableTest,
    );
    expect(crossMode.statusCode).toBe(404);
    const rival = await createTestOrganization(server, "Rival");
    const rivalGuest = await guest(rival.keys.publishableLive);
    const crossOrg = await asConsumer(
      rivalGuest.token,
      "POST",
      `/api/v1/queues/${liveQueue}/enter`,
      {},
      rival.keys.publishableLive,
    );
    expect(crossOrg.statusCode).toBe(404);
    // A token of one organization with another's publishable key is refused outright.
    const mixed = await asConsumer(rivalGuest.token, "POST", `/api/v1/queues/${liveQueue}/enter`);
    expect(mixed.statusCode).toBe(401);

    const anonymous = await call(server.consumer, "POST", `/api/v1/queues/${liveQueue}/enter`, {
      headers: { "x-publishable-key": keys.publishableLive },
    });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.body).toBe('{"error":"Authentication required"}');

    const a = await guest();
    await enter(a.token, liveQueue);
    expect((await server_("admit", liveQueue, { count: 1 }, keys.publishableLive)).statusCode).toBe(401);
    expect((await server_("admit", liveQueue, { count: 1 }, rival.keys.secretLive)).statusCode).toBe(404);
    expect((await server_("admit", liveQueue, { count: 1 }, keys.secretTest)).statusCode).toBe(404);
    const readOnly = await call(server.admin, "POST", "/api/v1/api-keys", {
      key: keys.secretLive,
      body: { name: "Checkout", type: "secret", permissions: ["read:experiences"] },
    });
    const reader = readOnly.json().key as string;
    const refused = await server_("admit", liveQueue, { count: 1 }, reader);
    expect(refused.statusCode).toBe(403);
    expect((await status(a.token, liveQueue)).json().status).toBe("QUEUED");
    expect((await server_("validate", liveQueue, { consumerId: a.consumerId, token: "x.y.z" }, reader)).body).toBe(
      INVALID_ADMISSION,
    );
  });

  it("gives one place to a consumer who enters many times at once, and takes no number for the others", async () => {
    const queueId = await createQueue();
    const eager = await guest();
    const responses = await Promise.all(Array.from({ length: 20 }, () => enter(eager.token, queueId)));
    expect(responses.filter((response) => response.statusCode === 201)).toHaveLength(1);
    expect(responses.filter((response) => response.statusCode === 200)).toHaveLength(19);
    expect(new Set(responses.map((response) => response.json().position))).toEqual(new Set([1]));
    const next = await enter((await guest()).token, queueId);
    expect(next.json().position).toBe(2);
  });

  it("gives 2,000 concurrent entries positions 1..2000 with no gaps or duplicates", async () => {
    const queueId = await createQueue();
    const people: { token: string; consumerId: string }[] = [];
    for (let i = 0; i < 2000; i++) people.push(await guest());
    const responses = await Promise.all(people.map((person) => enter(person.token, queueId)));
    expect(responses.every((response) => response.statusCode === 201)).toBe(true);
    const positions = responses.map((response) => response.json().position as number).sort((x, y) => x - y);
    expect(positions).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));

    // Positions follow arrival; admitting the first 500 moves everyone else up by 500.
    const byPosition = new Map(responses.map((r, i) => [r.json().position as number, people[i]]));
    const admitted = await server_("admit", queueId, { count: 500 });
    expect(admitted.json().data.map((s: { consumerId: string }) => s.consumerId)).toEqual(
      Array.from({ length: 500 }, (_, i) => byPosition.get(i + 1)?.consumerId),
    );
    const last = byPosition.get(2000);
    expect((await status(last?.token as string, queueId)).json().position).toBe(1500);
  }, 120_000);
});
