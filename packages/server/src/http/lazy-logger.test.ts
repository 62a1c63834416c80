import pino from "pino";
import { describe, expect, it } from "vitest";
import { lazyChildLogger } from "./lazy-logger.js";

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe("lazy request logger", () => {
  it("writes enabled levels with the request's bindings and drops the others", () => {
    const { logger, lines } = capture("warn");
    const child = lazyChildLogger(logger, { requestId: "req_1" }, {});
    child.info("not written");
    child.debug({ detail: 1 }, "not written either");
    child.error({ status: 500 }, "written");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ requestId: "req_1", status: 500, msg: "written", level: 50 });
  });

  it("reports the parent's level until given its own", () => {
    const { logger, lines } = capture("warn");
    const child = lazyChildLogger(logger, { requestId: "req_2" }, {});
    expect(child.level).toBe("warn");
    child.level = "info";
    child.info("now written");
    expect(logger.level).toBe("warn");
    expect(lines).toMatchObject([{ requestId: "req_2", msg: "now written" }]);
  });

  it("makes grandchildren that keep every binding", () => {
    const { logger, lines } = capture("info");
    lazyChildLogger(logger, { requestId: "req_3" }, {}).child({ job: "flush" }).info("done");
    expect(lines).toMatchObject([{ requestId: "req_3", job: "flush", msg: "done" }]);
  });
});
