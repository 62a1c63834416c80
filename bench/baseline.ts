import Fastify from "fastify";

/** The yardstick: a bare Fastify hello-world on the same machine, in the same run. */
const app = Fastify({ logger: false });
app.get("/hello", async () => ({ hello: "world" }));
const address = await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(`baseline ${address}\n`);
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
