import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const CLI_ARGS = ["--import", "tsx", "src/cli/bin.ts"];

/** The environment a child gets: ours without FANFARE_* leaking in, plus the test's own. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("FANFARE_")));
  return { ...clean, ...env };
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `fanfare` CLI (from source) to completion. */
export function runCli(args: string[], env: Record<string, string>): CliResult {
  const result = spawnSync(process.execPath, [...CLI_ARGS, ...args], {
    cwd: PACKAGE_DIR,
    env: childEnv(env),
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface ServerProcess {
  child: ChildProcess;
  stdout(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  consumerUrl: string;
  adminUrl: string;
}

/** Starts `fanfare serve` on free ports and waits until both APIs are listening. */
export async function startServerProcess(env: Record<string, string>, args: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...CLI_ARGS, "serve", ...args], {
    cwd: PACKAGE_DIR,
    env: childEnv({ FANFARE_CONSUMER_PORT: "0", FANFARE_ADMIN_PORT: "0", ...env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!/admin API\s+(https?:\S+)\/api\/v1/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not start:\n${out}\n${err}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const consumerUrl = /consumer API\s+(https?:\S+)\/api\/v1/.exec(out)?.[1] ?? "";
  const adminUrl = /admin API\s+(https?:\S+)\/api\/v1/.exec(out)?.[1] ?? "";
  return { child, stdout: () => out, exited, consumerUrl, adminUrl };
}

/** Stops every process in `servers`, emptying the list: SIGTERM to each, then waits for its exit. */
export async function stopAll(servers: ServerProcess[]): Promise<void> {
  for (const server of servers.splice(0)) {
    server.child.kill("SIGTERM");
    await server.exited;
  }
}
