import { describe, expect, it } from "vitest";
import { IpAllowlist } from "../../lib/ip.js";
import type { VerifiedKey } from "../keys/verify.js";
import type { MemberPrincipal } from "../members/sessions.js";
import type { AccessClaims } from "../tokens/access-tokens.js";
import { type Authorization, authorizeKey, authorizeMember, authorizeOrigin, authorizeTokenIn } from "./authorize.js";

function keyOf(kind: "secret" | "publishable", options: { cidrs?: string[]; scopes?: string[] } = {}): VerifiedKey {
  return {
    record: {
      id: "key_1",
      organizationId: "org_1",
      mode: "live",
      kind,
      name: "k",
      hint: "…",
      permissions: options.scopes ?? [],
      status: "active",
      expiresAt: null,
      allowedCidrs: options.cidrs ?? [],
      createdAt: "2026-12-01T00:00:00.000Z",
      createdBy: null,
      lastUsedAt: null,
      rotatedAt: null,
      deletedAt: null,
      updatedAt: "2026-12-01T00:00:00.000Z",
    },
    scopes: new Set(options.scopes ?? []),
    allowlist: new IpAllowlist(options.cidrs ?? []),
    expiresAtMs: null,
    value: "current",
    graceUntilMs: null,
  };
}

const errorOf = (verdict: Authorization) => (verdict.ok ? null : verdict.error.code);

describe("authorization decisions", () => {
  const request = { ip: () => "203.0.113.7" };

  it("keys: networks first, then a secret route's permission", () => {
    const read = { kind: "secret", scope: "read:experiences" } as const;
    let asked = 0;
    const counting = {
      ...request,
      ip: () => {
        asked++;
        return "203.0.113.7";
      },
    };
    expect(errorOf(authorizeKey(read, keyOf("secret", { scopes: ["read:experiences"] }), counting))).toBeNull();
    expect(asked).toBe(0); // no list: the address is never worked out
    expect(errorOf(authorizeKey(read, keyOf("secret", { cidrs: ["10.0.0.0/8"] }), request))).toBe("ip_not_allowed");
    expect(errorOf(authorizeKey(read, keyOf("secret", { cidrs: ["203.0.113.0/24"] }), request))).toBe(
      "permission_denied",
    );
    expect(errorOf(authorizeKey({ kind: "publishable" }, keyOf("publishable"), request))).toBeNull();
  });

  it("keys: a regenerated key's previous value keeps its data scopes but never the management scope", () => {
    const current = keyOf("secret", { scopes: ["admin", "read:experiences"] });
    const previous: VerifiedKey = { ...current, value: "previous", graceUntilMs: Date.parse("2026-12-02T00:00:00Z") };
    const manage = { kind: "secret", scope: "admin" } as const;
    const read = { kind: "secret", scope: "read:experiences" } as const;
    expect(errorOf(authorizeKey(manage, current, request))).toBeNull();
    expect(errorOf(authorizeKey(manage, previous, request))).toBe("key_rotating");
    expect(errorOf(authorizeKey(read, previous, request))).toBeNull();
    const narrow: VerifiedKey = { ...previous, scopes: new Set(["read:experiences"]) };
    expect(errorOf(authorizeKey(manage, narrow, request))).toBe("permission_denied");
  });

  it("origins: a browser's origin must be one the organization allows in the request's mode", () => {
    const live = { organizationId: "org_1", mode: "live" } as const;
    const test = { organizationId: "org_1", mode: "test" } as const;
    const shop = { allowedOrigins: ["https://shop.example"], testAllowedOrigins: null };
    expect(errorOf(authorizeOrigin("https://shop.example", live, shop))).toBeNull();
    expect(errorOf(authorizeOrigin("https://evil.example", live, shop))).toBe("origin_not_allowed");
    expect(errorOf(authorizeOrigin("https://shop.example", live, undefined))).toBe("origin_not_allowed");
    // Test mode has its own list; unset, a developer's machine on any port.
    expect(errorOf(authorizeOrigin("http://localhost:5173", test, shop))).toBeNull();
    expect(errorOf(authorizeOrigin("http://127.0.0.1:8080", test, shop))).toBeNull();
    expect(errorOf(authorizeOrigin("http://localhost:5173", live, shop))).toBe("origin_not_allowed");
    expect(errorOf(authorizeOrigin("https://shop.example", test, shop))).toBe("origin_not_allowed");
    const staging = { ...shop, testAllowedOrigins: ["https://staging.shop.example"] };
    expect(errorOf(authorizeOrigin("https://staging.shop.example", test, staging))).toBeNull();
    expect(errorOf(authorizeOrigin("http://localhost:5173", test, staging))).toBe("origin_not_allowed");
    expect(errorOf(authorizeOrigin("https://evil.example", test, { ...shop, testAllowedOrigins: [] }))).toBeNull();
  });

  it("consumers: a token is only good in the tenant (organization and mode) that issued it", () => {
    const claims = { organizationId: "org_1", mode: "live" } as AccessClaims;
    expect(authorizeTokenIn(claims, keyOf("publishable").record).ok).toBe(true);
    for (const tenant of [
      { organizationId: "org_1", mode: "test" },
      { organizationId: "org_2", mode: "live" },
    ] as const) {
      expect(errorOf(authorizeTokenIn(claims, tenant)), JSON.stringify(tenant)).toBe("invalid_token");
    }
  });

  it("members: a state change needs the CSRF token, and the role must allow the route", () => {
    const viewer = { role: "viewer" } as MemberPrincipal;
    const write = { kind: "secret", scope: "write:experiences" } as const;
    expect(errorOf(authorizeMember(write, viewer, { method: "GET", csrfValid: () => false }))).toBeNull();
    expect(errorOf(authorizeMember(write, viewer, { method: "POST", csrfValid: () => false }))).toBe(
      "csrf_token_invalid",
    );
    expect(errorOf(authorizeMember(write, viewer, { method: "POST", csrfValid: () => true }))).toBe(
      "permission_denied",
    );
    const owner = { role: "owner" } as MemberPrincipal;
    expect(errorOf(authorizeMember(write, owner, { method: "POST", csrfValid: () => true }))).toBeNull();
  });
});
