import { enterQueue, getOrganization } from "@fanfare/contract";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { addRoute, servesOnly } from "../src/http/contract-routes.js";

describe("routes come from the contract", () => {
  it("refuses an API route registered by hand, or one defined for the other API's port", async () => {
    const byHand = Fastify();
    servesOnly(byHand, "consumer", "/api/v1");
    await expect(
      byHand.register(async (app) => app.get("/ping", async () => "pong"), { prefix: "/api/v1" }),
    ).rejects.toThrow("GET /api/v1/ping is not registered from a contract route");

    const otherPort = Fastify();
    servesOnly(otherPort, "consumer", "/api/v1");
    await expect(
      otherPort.register(
        async (app) => addRoute(app, getOrganization, async (_request, reply) => reply.code(204).send()),
        { prefix: "/api/v1" },
      ),
    ).rejects.toThrow("GET /api/v1/organization is defined for the admin API, not the consumer API");

    const right = Fastify();
    servesOnly(right, "consumer", "/api/v1");
    await right.register(async (app) => addRoute(app, enterQueue, async (_request, reply) => reply.code(204).send()), {
      prefix: "/api/v1",
    });
    // Outside the API prefix (health checks, the dashboard's pages) routes are the app's own.
    right.get("/healthz", async () => ({ status: "ok" }));
    await right.ready();
    expect(right.printRoutes()).toContain("enter");
  });
});
