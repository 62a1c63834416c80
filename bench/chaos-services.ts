/**
 * The dependencies `npm run chaos` breaks: its own redis-server (the shared one is never touched)
 * and a TCP fault proxy (pass, cut, hang) in front of PostgreSQL and in front of that Redis.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { connect } from "node:net";
import { FaultProxy } from "../packages/server/test/fault-proxy.js";
import { freePort } from "../packages/server/test/services.js";

export { type FaultMode, FaultProxy } from "../packages/server/test/fault-proxy.js";

const REDIS_BINARY = "/usr/bin/redis-server";

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export interface PrivateRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** A throwaway redis-server (no persistence) on a free port, ready when this resolves. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    REDIS_BINARY,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${REDIS_BINARY} did not start on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGKILL");
      await once(child, "exit");
    },
  };
}

/** A fault proxy in front of `url`'s host and port (postgres://…, redis://…), listening. */
export async function proxyFor(url: string, defaultPort: number): Promise<FaultProxy> {
  const { hostname, port } = new URL(url);
  const proxy = new FaultProxy(Number(port || defaultPort), hostname);
  await proxy.start();
  return proxy;
}
