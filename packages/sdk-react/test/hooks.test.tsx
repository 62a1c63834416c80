import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/src/config.js";
import { type RunningServer, startServer } from "../../server/src/main.js";
import { createExperience } from "../../server/src/modules/experiences/service.js";
import { type BootstrapKeys, createOrganization } from "../../server/src/modules/orgs/service.js";
import { admitNext } from "../../server/src/modules/queue-entries/service.js";
import { createQueue } from "../../server/src/modules/queues/service.js";
import { createTestDatabase, dialects, type TestDatabase } from "../../server/test/harness.js";
import { Fanfare, FanfareProvider, useFanfare, useQueue, useSession } from "../src/index.js";

function QueueWidget({ queueId, intervalMs }: { queueId: string; intervalMs: number }) {
  const client = useFanfare();
  const session = useSession();
  const { state, loading, enter, leave } = useQueue(queueId, { intervalMs, hiddenIntervalMs: 60_000 });
  return (
    <div>
      <span data-testid="session">{session?.type ?? "none"}</span>
      <span data-testid="status">{loading ? "loading" : (state?.status ?? "not-entered")}</span>
      <span data-testid="position">{state?.position ?? ""}</span>
      <button type="button" onClick={() => void client.auth.guest()}>
        guest
      </button>
      <button type="button" onClick={() => void enter({ fingerprint: "fp_react" })}>
        enter
      </button>
      <button type="button" onClick={() => void leave()}>
        leave
      </button>
    </div>
  );
}

const CLI = { type: "cli" as const, id: null, ip: null, requestId: null };
const text = (id: string) => screen.getByTestId(id).textContent;

describe.each(dialects())("React bindings against a running server (%s)", (dialect) => {
  let database: TestDatabase;
  let server: RunningServer;
  let keys: BootstrapKeys;
  let queueId: string;
  let tenant: { organizationId: string; mode: "test" };

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    server = await startServer(
      loadConfig({ ...database.env, FANFARE_CONSUMER_PORT: "0", FANFARE_ADMIN_PORT: "0", FANFARE_LOG_LEVEL: "silent" }),
    );
  });
  afterAll(async () => {
    await server.shutdown();
    await database.drop();
  });
  beforeEach(async () => {
    // The merchant's side runs through the server's services: this DOM environment's fetch is a
    // browser's, held to CORS, and the admin API (rightly) serves no browser.
    const created = await createOrganization(server.deps, { name: "React Shop", plan: "pro" });
    keys = created.keys;
    tenant = { organizationId: created.organization.id, mode: "test" };
    const experience = await createExperience(server.deps, tenant, CLI, { name: "Drop" });
    queueId = (await createQueue(server.deps, tenant, CLI, experience.id, { name: "Main" })).id;
  });
  afterEach(() => cleanup());

  it("follows the session and the consumer's place, polling until admission", async () => {
    render(
      <FanfareProvider publishableKey={keys.publishableTest} baseUrl={server.consumerUrl}>
        <QueueWidget queueId={queueId} intervalMs={50} />
      </FanfareProvider>,
    );
    await waitFor(() => expect(text("status")).toBe("not-entered"));
    expect(text("session")).toBe("none");

    fireEvent.click(screen.getByText("guest"));
    await waitFor(() => expect(text("session")).toBe("guest"));
    fireEvent.click(screen.getByText("enter"));
    await waitFor(() => expect(text("status")).toBe("QUEUED"));
    expect(text("position")).toBe("1");

    await admitNext(server.deps, tenant, CLI, queueId, 1);
    await waitFor(() => expect(text("status")).toBe("ADMITTED"));
    expect(text("position")).toBe("0");

    fireEvent.click(screen.getByText("leave"));
    await waitFor(() => expect(text("status")).toBe("LEFT"));
  });

  it("polls slowly while the tab is hidden", async () => {
    let statusCalls = 0;
    const counting: typeof fetch = (input, init) => {
      if (String(input).endsWith("/status")) statusCalls++;
      return fetch(input, init);
    };
    const client = new Fanfare({ publishableKey: keys.publishableTest, baseUrl: server.consumerUrl, fetch: counting });
    await client.auth.guest();
    await client.queues.enter(queueId);
    render(
      <FanfareProvider client={client}>
        <QueueWidget queueId={queueId} intervalMs={40} />
      </FanfareProvider>,
    );
    await waitFor(() => expect(text("status")).toBe("QUEUED"));
    await waitFor(() => expect(statusCalls).toBeGreaterThanOrEqual(4));

    Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
    act(() => {
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const whileHidden = statusCalls;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(statusCalls - whileHidden).toBe(0);

    Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
    act(() => {
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await waitFor(() => expect(statusCalls).toBeGreaterThan(whileHidden + 2));
  });

  it("needs a provider", () => {
    const Orphan = () => {
      useFanfare();
      return null;
    };
    expect(() => render(<Orphan />)).toThrow(/FanfareProvider/);
  });
});
