import type { FaultProxy } from "./fault-proxy.js";
import { createTestDatabase, type TestDatabase } from "./harness.js";
import { runCli, type ServerProcess, startServerProcess, stopAll } from "./process.js";

/** `fanfare serve` on a fresh PostgreSQL database that it reaches only through a proxy the test controls. */
export interface ProxiedServer {
  database: TestDatabase;
  server: ServerProcess;
  secretKey: string;
  publishableKey: string;
  /** Lets traffic through again, stops the server (if it still runs), the proxy and the database. */
  stop(): Promise<void>;
}

/** Starts `proxy`, creates an organization named `name`, then the server behind the proxy. */
export async function serveThroughProxy(
  proxy: FaultProxy,
  name: string,
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<ProxiedServer> {
  const database = await createTestDatabase("postgres");
  await proxy.start();
  // Straight to PostgreSQL: runCli blocks this process, and with it the proxy.
  const init = runCli(["init", "--name", name], database.env);
  if (init.status !== 0) throw new Error(`fanfare init failed: ${init.stderr}`);
  const server = await startServerProcess(
    { ...database.env, FANFARE_DATABASE_URL: proxy.urlFor(database.env.FANFARE_DATABASE_URL ?? ""), ...env },
    args,
  );
  return {
    database,
    server,
    secretKey: /sk_live_\w+/.exec(init.stdout)?.[0] ?? "",
    publishableKey: /pk_live_\w+/.exec(init.stdout)?.[0] ?? "",
    async stop() {
      proxy.set("pass");
      await stopAll([server]);
      await proxy.close();
      await database.drop();
    },
  };
}
