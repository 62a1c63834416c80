import { sql, type Transaction } from "kysely";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { Database } from "../src/db/schema.js";
import type { BootstrapKeys } from "../src/modules/orgs/service.js";
import {
  createTestDatabase,
  createTestOrganization,
  createTestServer,
  dialects,
  type TestDatabase,
  type TestServer,
} from "./harness.js";
import { call } from "./http.js";
import { runCli, type ServerProcess, startServerProcess, stopAll } from "./process.js";

interface Guest {
  token: string;
  consumerId: string;
}

const sorted = (values: number[]) => [...values].sort((x, y) => x - y);
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Arrivals in group commits: the guarantees of one place per consumer, dense numbers and capacity under bursts. */
describe.each(dialects())("queue arrivals in group commits (%s)", (dialect) => {
  let server: TestServer;
  let keys: BootstrapKeys;
  let tenant: { organizationId: string; mode: "live" };
  let experienceId: string;
  let guestCounter = 0;

  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    const created = await createTestOrganization(server);
    keys = created.keys;
    tenant = { organizationId: created.organization.id, mode: "live" };
    experienceId = (
      await call(server.admin, "POST", "/api/v1/experiences", { key: keys.secretLive, body: { name: "Drop" } })
    ).json().id;
  });

  async function createQueue(fields: Record<string, unknown> = {}): Promise<string> {
    const response = await call(server.admin, "POST", `/api/v1/experiences/${experienceId}/queues`, {
      key: keys.secretLive,
      body: { name: "Line", ...fields },
    });
    expect(response.statusCode).toBe(201);
    return response.json().id;
  }

  /** Guests created concurrently, each from its own address. */
  async function guests(count: number): Promise<Guest[]> {
    const responses = await Promise.all(
      Array.from({ length: count }, () => {
        guestCounter++;
        return call(server.consumer, "POST", "/api/v1/auth/guest", {
          headers: { "x-publishable-key": keys.publishableLive },
          remoteAddress: `10.9.${(guestCounter >> 8) & 255}.${guestCounter & 255}`,
        });
      }),
    );
    return responses.map((response) => {
      expect(response.statusCode).toBe(200);
      return { token: response.json().accessToken, consumerId: response.json().session.consumerId };
    });
  }

  const enter = (guest: Guest, queueId: string, fingerprint?: string) =>
    call(server.consumer, "POST", `/api/v1/queues/${queueId}/enter`, {
      key: guest.token,
      headers: { "x-publishable-key": keys.publishableLive, ...(fingerprint ? { "x-fingerprint": fingerprint } : {}) },
    });
  const status = (guest: Guest, queueId: string) =>
    call(server.consumer, "GET", `/api/v1/queues/${queueId}/status`, {
      key: guest.token,
      headers: { "x-publishable-key": keys.publishableLive },
    });
  const counters = (queueId: string) =>
    server.deps.db.kysely
      .selectFrom("queues")
      .select(["last_seq", "waiting_count", "admitted_count"])
      .where("id", "=", queueId)
      .executeTakeFirstOrThrow();

  it("gives a burst of distinct consumers numbers 1..n, each place once", async () => {
    const queueId = await createQueue();
    const people = await guests(300);
    const responses = await Promise.all(people.map((person) => enter(person, queueId)));
    expect(responses.map((response) => response.statusCode)).toEqual(people.map(() => 201));
    const positions = responses.map((response) => response.json().position as number);
    expect(sorted(positions)).toEqual(oneTo(300));
    for (const [i, person] of people.entries()) {
      if (i % 50 === 0) expect((await status(person, queueId)).json().position).toBe(positions[i]);
    }
    expect(await counters(queueId)).toEqual({ last_seq: 300, waiting_count: 300, admitted_count: 0 });
  });

  it("holds to a queue that another process closed, filled or deleted since this one last planned with its row", async () => {
    const queueId = await createQueue({ capacity: 5 });
    const [first, second, third, fourth] = (await guests(4)) as [Guest, Guest, Guest, Guest];
    expect((await enter(first, queueId)).statusCode).toBe(201);
    // Written straight to the database, as another process would: this one's row is a moment old.
    const queueRow = () => server.deps.db.kysely.updateTable("queues").where("id", "=", queueId);
    await queueRow().set({ status_override: "CLOSED" }).execute();
    expect((await enter(second, queueId)).json()).toEqual({ error: "Queue is closed" });
    await queueRow().set({ status_override: null, capacity: 1 }).execute();
    expect((await enter(second, queueId)).json()).toEqual({ error: "Queue is full" });
    await queueRow().set({ capacity: 5 }).execute();
    expect((await enter(second, queueId)).statusCode).toBe(201);
    await queueRow().set({ deleted_at: new Date().toISOString() }).execute();
    expect((await enter(third, queueId)).statusCode).toBe(404);
    expect((await enter(fourth, queueId)).statusCode).toBe(404);
    expect(await counters(queueId)).toEqual({ last_seq: 2, waiting_count: 2, admitted_count: 0 });
  });

  it("answers a burst of status polls from few reads, each consumer its own place", async () => {
    const queueId = await createQueue();
    const [stranger, ...people] = (await guests(61)) as [Guest, ...Guest[]];
    const entered = await Promise.all(people.map((person) => enter(person, queueId)));
    const seqOf = new Map(people.map((person, i) => [person.consumerId, entered[i]?.json().position as number]));
    const admit = await call(server.consumer, "POST", `/api/v1/queues/${queueId}/admit`, {
      key: keys.secretLive,
      body: { count: 10 },
    });
    expect(admit.statusCode).toBe(200);

    const before = server.deps.entryReads.readCount;
    const pollers = [...people, stranger, people[20] as Guest];
    const polls = await Promise.all(pollers.map((person) => status(person, queueId)));
    expect(server.deps.entryReads.readCount - before).toBeLessThanOrEqual(3);
    for (const [i, person] of pollers.entries()) {
      const poll = polls[i];
      const seq = seqOf.get(person.consumerId);
      if (seq === undefined) {
        expect(poll?.statusCode).toBe(404);
        expect(poll?.json()).toEqual({ error: "Consumer not in queue" });
      } else if (seq <= 10) {
        expect(poll?.json()).toMatchObject({ consumerId: person.consumerId, status: "ADMITTED", position: 0 });
      } else {
        expect(poll?.json()).toMatchObject({ consumerId: person.consumerId, status: "QUEUED", position: seq - 10 });
      }
    }
  });

  it("writes arrivals gathered behind a batch in few commits, numbered in the order they were accepted", async () => {
    const queueId = await createQueue();
    const people = await guests(300);
    const before = server.deps.arrivals.batchCount;
    const results = await Promise.all(
      people.map((person) =>
        server.deps.arrivals.enter({ tenant, queueId, consumerId: person.consumerId, fingerprint: null }),
      ),
    );
    // Few commits for 300 arrivals: those of one event-loop turn together, at most 256 a batch.
    const batches = server.deps.arrivals.batchCount - before;
    expect(batches).toBeGreaterThanOrEqual(2);
    expect(batches).toBeLessThanOrEqual(4);
    expect(results.map((result) => result.entry.seq)).toEqual(oneTo(300));
    expect(results.every((result) => result.created)).toBe(true);
    expect((await status(people[299] as Guest, queueId)).json().position).toBe(300);
  });

  it("gives a consumer entering many times at once one place, inside one batch and across batches", async () => {
    const queueId = await createQueue();
    const [eager, ...others] = await guests(11);
    const burst = [eager, ...others.slice(0, 5), eager, eager, ...others.slice(5), eager] as Guest[];
    const responses = await Promise.all(burst.map((person) => enter(person, queueId)));
    const mine = responses.filter((_, i) => burst[i] === eager);
    expect(mine.map((response) => response.statusCode).sort()).toEqual([200, 200, 200, 201]);
    const eagerPositions = new Set(mine.map((response) => response.json().position as number));
    expect(eagerPositions.size).toBe(1);
    const theirs = responses.filter((_, i) => burst[i] !== eager);
    expect(theirs.every((response) => response.statusCode === 201)).toBe(true);
    const all = [...eagerPositions, ...theirs.map((response) => response.json().position as number)];
    expect(sorted(all)).toEqual(oneTo(11));
    expect(await counters(queueId)).toEqual({ last_seq: 11, waiting_count: 11, admitted_count: 0 });
  });

  it("accepts exactly `capacity` of a burst and refuses the rest with 429", async () => {
    const queueId = await createQueue({ capacity: 10 });
    const people = await guests(40);
    const responses = await Promise.all(people.map((person) => enter(person, queueId)));
    const accepted = responses.filter((response) => response.statusCode === 201);
    const refused = responses.filter((response) => response.statusCode === 429);
    expect(accepted).toHaveLength(10);
    expect(refused).toHaveLength(30);
    expect(refused.every((response) => response.body === '{"error":"Queue is full"}')).toBe(true);
    expect(sorted(accepted.map((response) => response.json().position))).toEqual(oneTo(10));
    // A refused consumer holds nothing and took no number.
    const refusedPerson = people[responses.findIndex((response) => response.statusCode === 429)] as Guest;
    expect((await status(refusedPerson, queueId)).statusCode).toBe(404);
    expect(await counters(queueId)).toEqual({ last_seq: 10, waiting_count: 10, admitted_count: 0 });
  });

  it("frees lapsed admissions once for a burst at capacity", async () => {
    const queueId = await createQueue({ capacity: 3, admissionTtlSeconds: 60 });
    const [a, b, c, ...late] = (await guests(6)) as Guest[];
    for (const person of [a, b, c] as Guest[]) expect((await enter(person, queueId)).statusCode).toBe(201);
    const admit = await call(server.consumer, "POST", `/api/v1/queues/${queueId}/admit`, {
      key: keys.secretLive,
      body: { count: 1 },
    });
    expect(admit.json().data[0].consumerId).toBe(a?.consumerId);
    server.clock.advance(60_000);
    const responses = await Promise.all([a, ...late].map((person) => enter(person as Guest, queueId)));
    const accepted = responses.filter((response) => response.statusCode === 201);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]?.json()).toMatchObject({ status: "QUEUED", position: 3 });
    expect(responses.filter((response) => response.statusCode === 429)).toHaveLength(3);
    expect(await counters(queueId)).toEqual({ last_seq: 4, waiting_count: 3, admitted_count: 0 });
  });

  it("lets the holder of a lapsed admission come back in a batch that had to free it first", async () => {
    const queueId = await createQueue({ capacity: 3, admissionTtlSeconds: 60 });
    const [a, b, c, d] = (await guests(4)) as [Guest, Guest, Guest, Guest];
    for (const person of [a, b, c]) expect((await enter(person, queueId)).statusCode).toBe(201);
    await call(server.consumer, "POST", `/api/v1/queues/${queueId}/admit`, {
      key: keys.secretLive,
      body: { count: 1 },
    });
    server.clock.advance(60_000);
    const arrive = (person: Guest) =>
      server.deps.arrivals
        .enter({ tenant, queueId, consumerId: person.consumerId, fingerprint: null })
        .then((result) => ({ seq: result.entry.seq, created: result.created }))
        .catch((err: Error) => err.message);
    // b goes alone (it holds its place); a and d gather into one batch that finds the queue full.
    const results = await Promise.all([b, a, d].map(arrive));
    expect(results).toEqual([{ seq: 2, created: false }, { seq: 4, created: true }, "Queue is full"]);
    expect((await status(a, queueId)).json()).toMatchObject({ status: "QUEUED", position: 3 });
    expect(await counters(queueId)).toEqual({ last_seq: 4, waiting_count: 3, admitted_count: 0 });
  });

  it("lets consumers who left come back inside a batch, with new numbers after everyone else", async () => {
    const queueId = await createQueue();
    const [a, b, c, d] = (await guests(4)) as [Guest, Guest, Guest, Guest];
    expect((await enter(a, queueId)).statusCode).toBe(201);
    expect((await enter(b, queueId)).statusCode).toBe(201);
    const leave = await call(server.consumer, "POST", `/api/v1/queues/${queueId}/leave`, {
      key: a.token,
      headers: { "x-publishable-key": keys.publishableLive },
    });
    expect(leave.statusCode).toBe(200);
    const responses = await Promise.all([c, a, d, a].map((person) => enter(person, queueId)));
    const [forC, forA, forD, againA] = responses.map((response) => ({
      code: response.statusCode,
      position: response.json().position as number,
    }));
    expect(sorted([forA, againA].map((response) => response?.code ?? 0))).toEqual([200, 201]);
    expect(forA?.position).toBe(againA?.position);
    expect([forC?.code, forD?.code]).toEqual([201, 201]);
    expect(sorted([forC, forA, forD].map((response) => response?.position ?? 0))).toEqual([2, 3, 4]);
    expect((await status(b, queueId)).json().position).toBe(1);
    expect(await counters(queueId)).toEqual({ last_seq: 5, waiting_count: 4, admitted_count: 0 });
  });

  it("tells a burst arriving after admissions, a departure and a denial the same positions as their status polls", async () => {
    const queueId = await createQueue();
    const [leaver, denied, ...early] = (await guests(8)) as Guest[];
    for (const person of [leaver, denied, ...early] as Guest[])
      expect((await enter(person, queueId)).statusCode).toBe(201);
    const secret = (action: string, body: unknown) =>
      call(server.consumer, "POST", `/api/v1/queues/${queueId}/${action}`, { key: keys.secretLive, body });
    expect((await secret("admit", { count: 3 })).statusCode).toBe(200);
    expect(
      (await secret("deny", { consumerId: (early[3] as Guest).consumerId, reason: "FRAUD_DETECTED" })).statusCode,
    ).toBe(200);
    const left = await call(server.consumer, "POST", `/api/v1/queues/${queueId}/leave`, {
      key: (early[4] as Guest).token,
      headers: { "x-publishable-key": keys.publishableLive },
    });
    expect(left.statusCode).toBe(200);
    // 8 numbers taken; 3 admitted, one denied, one left: 3 still waiting.
    const late = await guests(20);
    const responses = await Promise.all(late.map((person) => enter(person, queueId)));
    expect(responses.map((response) => response.statusCode)).toEqual(late.map(() => 201));
    const positions = responses.map((response) => response.json().position as number);
    expect(sorted(positions)).toEqual(oneTo(20).map((n) => n + 3));
    for (const [i, person] of late.entries()) {
      expect((await status(person, queueId)).json().position).toBe(positions[i]);
    }
  });

  /**
   * Another process changes the queue while a batch is between its unlocked read and its lock:
   * `change` runs in a transaction that holds the queue row's lock until the batch waits for it.
   */
  async function whileArrivalWaitsForTheLock(
    queueId: string,
    arrival: () => Promise<unknown>,
    change: (trx: Transaction<Database>) => Promise<void>,
  ) {
    const db = server.deps.db.kysely;
    let lockHeld = () => {};
    const held = new Promise<void>((resolve) => {
      lockHeld = resolve;
    });
    let releaseLock = () => {};
    const release = new Promise<void>((resolve) => {
      releaseLock = resolve;
    });
    const other = db.transaction().execute(async (trx) => {
      await trx.updateTable("queues").set({ name: "Line" }).where("id", "=", queueId).execute();
      lockHeld();
      await release;
      await change(trx);
    });
    await held;
    const pending = arrival();
    for (;;) {
      const { rows } = await sql<{ waiting: number }>`select count(*)::int as waiting from pg_locks
        where not granted and locktype = 'transactionid'`.execute(db);
      if ((rows[0]?.waiting ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    releaseLock();
    await other;
    return pending;
  }

  it.runIf(dialect === "postgres")(
    "answers an arrival whose place another process wrote between its read and its lock with that place",
    async () => {
      const queueId = await createQueue();
      const [twin] = (await guests(1)) as [Guest];
      const response = (await whileArrivalWaitsForTheLock(
        queueId,
        () => enter(twin, queueId),
        async (trx) => {
          const now = new Date(server.clock.now()).toISOString();
          await trx
            .insertInto("queue_entries")
            .values({
              queue_id: queueId,
              consumer_id: twin.consumerId,
              organization_id: tenant.organizationId,
              mode: "live",
              seq: 1,
              status: "QUEUED",
              fingerprint: null,
              entered_at: now,
              admitted_at: null,
              admission_expires_at: null,
              finished_at: null,
              deny_reason: null,
              updated_at: now,
            })
            .execute();
          await trx.updateTable("queues").set({ last_seq: 1, waiting_count: 1 }).where("id", "=", queueId).execute();
        },
      )) as Awaited<ReturnType<typeof enter>>;
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ consumerId: twin.consumerId, position: 1, status: "QUEUED" });
      expect(await counters(queueId)).toEqual({ last_seq: 1, waiting_count: 1, admitted_count: 0 });
    },
  );

  it.runIf(dialect === "postgres")(
    "refuses an arrival whose queue filled up or closed between its read and its lock, taking no number",
    async () => {
      const queueId = await createQueue({ capacity: 5 });
      const [first, second, third] = (await guests(3)) as [Guest, Guest, Guest];
      expect((await enter(first, queueId)).statusCode).toBe(201);
      const full = (await whileArrivalWaitsForTheLock(
        queueId,
        () => enter(second, queueId),
        async (trx) => {
          await trx.updateTable("queues").set({ capacity: 1 }).where("id", "=", queueId).execute();
        },
      )) as Awaited<ReturnType<typeof enter>>;
      expect(full.statusCode).toBe(429);
      expect(full.body).toBe('{"error":"Queue is full"}');
      const closed = (await whileArrivalWaitsForTheLock(
        queueId,
        () => enter(third, queueId),
        async (trx) => {
          await trx
            .updateTable("queues")
            .set({ capacity: null, status_override: "CLOSED" })
            .where("id", "=", queueId)
            .execute();
        },
      )) as Awaited<ReturnType<typeof enter>>;
      expect(closed.statusCode).toBe(423);
      expect(closed.body).toBe('{"error":"Queue is closed"}');
      expect(await counters(queueId)).toEqual({ last_seq: 1, waiting_count: 1, admitted_count: 0 });
    },
  );

  it("fails only the arrival whose write fails, with 503, and writes the rest of its batch in order", async () => {
    const queueId = await createQueue();
    // A real constraint, in the database: an entry with this fingerprint cannot be written.
    if (dialect === "postgres") {
      await sql
        .raw(`create function refuse_poison() returns trigger language plpgsql as $$
          begin if new.fingerprint = 'fp_poison' then raise exception 'poisoned arrival'; end if; return new; end $$`)
        .execute(server.deps.db.kysely);
      await sql
        .raw("create trigger poison before insert on queue_entries for each row execute function refuse_poison()")
        .execute(server.deps.db.kysely);
    } else {
      await sql
        .raw(`create trigger poison before insert on queue_entries when new.fingerprint = 'fp_poison'
          begin select raise(abort, 'poisoned arrival'); end`)
        .execute(server.deps.db.kysely);
    }
    try {
      const people = await guests(40);
      // The first is written on its own; the poisoned arrival's batch forms among the others.
      const first = await enter(people[0] as Guest, queueId, "fp_0");
      const rest = await Promise.all(
        people.slice(1).map((person, i) => enter(person, queueId, i + 1 === 20 ? "fp_poison" : `fp_${i + 1}`)),
      );
      const responses = [first, ...rest];
      const poisoned = people[20] as Guest;
      // Only the poisoned arrival fails: its batch is written again one arrival at a time.
      expect(responses.map((response) => response.statusCode)).toEqual(responses.map((_, i) => (i === 20 ? 503 : 201)));
      expect(responses[20]?.json()).toEqual({
        error: "service_unavailable",
        message: "The service is temporarily unavailable.",
      });
      const served = responses.filter((response) => response.statusCode === 201);
      expect(sorted(served.map((response) => response.json().position))).toEqual(oneTo(39));
      expect(server.logs.text).toContain("a batch of queue arrivals could not be written");
      expect((await status(poisoned, queueId)).statusCode).toBe(404);
      expect(await counters(queueId)).toEqual({ last_seq: 39, waiting_count: 39, admitted_count: 0 });

      // Their retry (without the poison) lands after the others, still without a gap.
      const retried = await enter(poisoned, queueId);
      expect(retried.statusCode).toBe(201);
      expect(retried.json().position).toBe(40);
    } finally {
      await sql
        .raw(`drop trigger poison${dialect === "postgres" ? " on queue_entries" : ""}`)
        .execute(server.deps.db.kysely);
    }
  });
});

describe.runIf(inject("postgres"))("arrivals through several server processes on one PostgreSQL", () => {
  let database: TestDatabase;
  const servers: ServerProcess[] = [];

  afterEach(async () => {
    await stopAll(servers.splice(0));
    await database.drop();
  });

  const json = { "content-type": "application/json" };
  const post = async (url: string, headers: Record<string, string>, body: unknown = {}) => {
    const response = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  /** `count` server processes on one database, an organization, and a queue of that capacity. */
  async function line(count: number, capacity: number | null) {
    database = await createTestDatabase("postgres");
    const env = { ...database.env, FANFARE_LOG_LEVEL: "error" };
    const { keys } = JSON.parse(
      runCli(["init", "--name", "Nodes", "--plan", "enterprise", "--limit", "1000000", "--json"], env).stdout,
    );
    for (let i = 0; i < count; i++) servers.push(await startServerProcess(env));
    const [first] = servers as [ServerProcess];
    const secret = { authorization: `Bearer ${keys.secretLive}`, ...json };
    const experience = await post(`${first.adminUrl}/api/v1/experiences`, secret, { name: "Drop" });
    const queue = await post(`${first.adminUrl}/api/v1/experiences/${experience.body.id}/queues`, secret, {
      name: "Line",
      ...(capacity === null ? {} : { capacity }),
    });
    // Each guest is signed by one process and enters through the others too, as behind a balancer.
    const tokens = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const issuer = servers[i % count] as ServerProcess;
        const guest = await post(`${issuer.consumerUrl}/api/v1/auth/guest`, {
          "x-publishable-key": keys.publishableLive,
          ...json,
        });
        return guest.body.accessToken as string;
      }),
    );
    const enter = (server: ServerProcess, token: string) =>
      post(`${server.consumerUrl}/api/v1/queues/${queue.body.id}/enter`, { authorization: `Bearer ${token}`, ...json });
    return { tokens, enter, queueId: queue.body.id as string };
  }

  /** Every consumer enters through every process, all at once: each consumer's answers agree. */
  async function burst(tokens: string[], enter: (server: ServerProcess, token: string) => ReturnType<typeof post>) {
    const answers = await Promise.all(tokens.flatMap((token) => servers.map((server) => enter(server, token))));
    const positionOf = new Map<string, number>();
    for (const answer of answers) {
      if (answer.status !== 200 && answer.status !== 201) continue;
      const consumerId = answer.body.consumerId as string;
      const position = answer.body.position as number;
      expect(positionOf.get(consumerId) ?? position).toBe(position);
      positionOf.set(consumerId, position);
    }
    return { answers, positions: sorted([...positionOf.values()]) };
  }

  it("numbers a burst through two processes densely, once each", async () => {
    const { tokens, enter } = await line(2, null);
    const { answers, positions } = await burst(tokens, enter);
    expect(answers.every((answer) => answer.status === 200 || answer.status === 201)).toBe(true);
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(200);
    expect(positions).toEqual(oneTo(200));
  }, 120_000);

  it("through three processes never passes capacity, refuses the rest alike, and lets one who left come back", async () => {
    const { tokens, enter, queueId } = await line(3, 150);
    const { answers, positions } = await burst(tokens, enter);
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(150);
    expect(positions).toEqual(oneTo(150));
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused.length).toBe(answers.length - 150 * 3);
    expect(new Set(refused.map((answer) => answer.body.error))).toEqual(new Set(["Queue is full"]));

    const [a, b, c] = servers as [ServerProcess, ServerProcess, ServerProcess];
    // Answers are in token order, one per process: token i's are i × 3 … i × 3 + 2.
    const leaver = tokens.find((_, i) => answers.slice(i * 3, i * 3 + 3).some((answer) => answer.status === 201));
    const left = await post(`${b.consumerUrl}/api/v1/queues/${queueId}/leave`, {
      authorization: `Bearer ${leaver}`,
      ...json,
    });
    expect(left.status).toBe(200);
    const [again, twin] = await Promise.all([enter(c, leaver ?? ""), enter(a, leaver ?? "")]);
    expect([again.status, twin.status].sort()).toEqual([200, 201]);
    expect(again.body.consumerId).toBe(left.body.consumerId);
    expect(twin.body.position).toBe(again.body.position);
  }, 120_000);
});
