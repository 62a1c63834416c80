import { describe, expect, it } from "vitest";
import { formatDuration } from "../src/components/format";
import { deviceName } from "../src/pages/settings/device-name";
import { isOriginRule } from "../src/pages/settings/origin-rule";
import { planLimit } from "../src/pages/settings/plan-limit";

describe("settings helpers", () => {
  it("gives each plan its per-minute limit, enterprise its own", () => {
    expect(planLimit({ plan: "free", rateLimitPerMinute: null })).toBe(100);
    expect(planLimit({ plan: "basic", rateLimitPerMinute: null })).toBe(1_000);
    expect(planLimit({ plan: "pro", rateLimitPerMinute: null })).toBe(10_000);
    expect(planLimit({ plan: "enterprise", rateLimitPerMinute: 50_000 })).toBe(50_000);
  });

  it("writes token lifetimes in the largest whole unit", () => {
    expect(formatDuration(900)).toBe("15 minutes");
    expect(formatDuration(3_600)).toBe("1 hour");
    expect(formatDuration(2_592_000)).toBe("30 days");
    expect(formatDuration(90)).toBe("90 seconds");
  });

  it("accepts origins, hosts and wildcards but not paths", () => {
    expect(isOriginRule("https://shop.example.com")).toBe(true);
    expect(isOriginRule("shop.example.com:8443")).toBe(true);
    expect(isOriginRule("*.example.com")).toBe(true);
    expect(isOriginRule("http://localhost:*")).toBe(true);
    expect(isOriginRule("http://localhost:**")).toBe(false);
    expect(isOriginRule("https://shop.example.com/cart")).toBe(false);
    expect(isOriginRule("not an origin")).toBe(false);
  });

  it("names a browser from its user agent", () => {
    const edge = "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120 Safari/537.36 Edg/120";
    expect(deviceName(edge)).toBe("Edge on Windows");
    expect(deviceName("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Safari/604.1")).toBe(
      "Safari on iOS",
    );
    expect(deviceName(null)).toBe("Unknown device");
  });
});
