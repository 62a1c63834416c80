import type { Route, RouteDefinition, RouteInput, RouteOutput } from "@fanfare/contract/routes";
import {
  enterQueue,
  exchangeExternalCode,
  getMe,
  getPublicExperience,
  getPublicQueue,
  leaveQueue,
  logout,
  queueStatus,
  refreshSession,
  requestOtp,
  startGuestSession,
  verifyOtp,
} from "@fanfare/contract/routes";
import { resolveBaseUrl } from "./base-url.js";
import { FanfareError } from "./errors.js";
import { Http } from "./http.js";
import { memoryStorage, type SessionStorage, type StoredSession } from "./storage.js";
import type { SessionEnvelope } from "./types.js";

export interface FanfareOptions {
  /** A publishable key, `pk_live_…` or `pk_test_…`. */
  publishableKey: string;
  /**
   * The consumer API, e.g. `https://drops.example.com`. Required (or, outside browsers,
   * `FANFARE_BASE_URL`): the client never guesses a host.
   */
  baseUrl?: string;
  /** Where tokens are kept: memory by default; `localStorageStorage()` to survive reloads. */
  storage?: SessionStorage;
  /** Refresh this long before the access token expires (default 30 s). */
  refreshMarginSeconds?: number;
  timeoutMs?: number;
  maxRetries?: number;
  fetch?: typeof fetch;
}

export type Session = SessionEnvelope["session"];
type Listener = (session: Session | null) => void;
type Identity = { email: string } | { phone: string; defaultCountry?: string };

/**
 * The client for browsers and apps. It keeps the consumer's tokens, refreshes the access token
 * shortly before it expires — one refresh at a time, however many calls are waiting — and
 * answers a 401 with one refresh and one retry.
 */
export class Fanfare {
  private readonly http: Http;
  private readonly storage: SessionStorage;
  private readonly keyHeader: Record<string, string>;
  private readonly refreshMarginMs: number;
  private readonly listeners = new Set<Listener>();
  private refreshing: Promise<StoredSession> | null = null;

  constructor(options: FanfareOptions) {
    if (!/^pk_(live|test)_/.test(options.publishableKey)) {
      const hint = options.publishableKey.startsWith("sk_")
        ? "This is a secret key: it must never reach a browser. Use FanfareClient on your server."
        : "Expected pk_live_… or pk_test_….";
      throw new FanfareError(0, "invalid_api_key", `Fanfare needs a publishable key. ${hint}`);
    }
    this.http = new Http({
      baseUrl: resolveBaseUrl(options.baseUrl, "FANFARE_BASE_URL", {
        client: "Fanfare",
        option: "baseUrl",
        api: "consumer API",
        example: "http://localhost:4000",
      }),
      timeoutMs: options.timeoutMs ?? 15_000,
      maxRetries: options.maxRetries ?? 2,
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    });
    this.storage = options.storage ?? memoryStorage();
    this.keyHeader = { "x-publishable-key": options.publishableKey };
    this.refreshMarginMs = (options.refreshMarginSeconds ?? 30) * 1000;
  }

  readonly auth = {
    /**
     * An anonymous session; signing in later keeps everything the guest did.
     * @example
     * const session = await fanfare.auth.guest(); // session.type === "guest"
     */
    guest: async (): Promise<Session> => this.signedIn(await this.send(startGuestSession, {})),
    /**
     * Sends a one-time code by email or SMS. The answer is the same whether or not the address is known.
     * @example
     * await fanfare.auth.requestOtp({ email: "shopper@example.com" });
     * await fanfare.auth.requestOtp({ phone: "(415) 555-2671", defaultCountry: "US" });
     */
    requestOtp: (identity: Identity) => this.send(requestOtp, { body: identity }),
    /**
     * Signs in with the code; a current guest session is upgraded (keeping queue places).
     * @example
     * const session = await fanfare.auth.verifyOtp({ email: "shopper@example.com", code: "123456" });
     */
    verifyOtp: async (input: Identity & { code: string }): Promise<Session> => {
      const current = this.storage.get();
      const guestToken: Record<string, string> =
        current?.session.type === "guest" ? { authorization: `Bearer ${(await this.validTokens()).accessToken}` } : {};
      const envelope = await this.send(verifyOtp, { body: input }, guestToken);
      return this.signedIn(envelope);
    },
    /**
     * Redeems the one-time code your server got from `auth.external.authorize`.
     * @example
     * const session = await fanfare.auth.exchangeExternal(exchangeCode);
     */
    exchangeExternal: async (exchangeCode: string): Promise<Session> =>
      this.signedIn(await this.send(exchangeExternalCode, { body: { exchangeCode } })),
    /**
     * Signs out of this session, or of every session of the consumer with `everywhere`.
     * @example
     * await fanfare.auth.logout({ everywhere: true });
     */
    logout: async (options: { everywhere?: boolean } = {}): Promise<void> => {
      if (!this.storage.get()) return;
      try {
        await this.asConsumer(logout, { body: { scope: options.everywhere ? "all" : "session" } });
      } finally {
        this.signedOut();
      }
    },
    /**
     * The current session, or null; no request is made.
     * @example
     * if (!fanfare.auth.getSession()) await fanfare.auth.guest();
     */
    getSession: (): Session | null => this.storage.get()?.session ?? null,
    /**
     * Called with the new session (or null) on every sign-in, upgrade and sign-out; returns the unsubscribe.
     * @example
     * const stop = fanfare.auth.onChange((session) => render(session?.type ?? "signed out"));
     */
    onChange: (listener: Listener): (() => void) => {
      this.listeners.add(listener);
      return () => this.listeners.delete(listener);
    },
  };

  readonly experiences = {
    /**
     * The public view of an experience (name and times).
     * @example
     * const { name, openAt } = await fanfare.experiences.get("exp_…");
     */
    get: (id: string) => this.send(getPublicExperience, { params: { id } }),
  };

  readonly queues = {
    /**
     * The public view of a queue: whether it is open, and how many wait.
     * @example
     * const queue = await fanfare.queues.get("queue_…");
     */
    get: (id: string) => this.send(getPublicQueue, { params: { id } }),
    /**
     * Takes a place in line (or answers the place already held).
     * @example
     * const { position } = await fanfare.queues.enter("queue_…", { fingerprint: "fp_…" });
     */
    enter: (id: string, options: { fingerprint?: string } = {}) =>
      this.asConsumer(
        enterQueue,
        { params: { id } },
        options.fingerprint ? { "x-fingerprint": options.fingerprint } : {},
      ),
    /**
     * Gives the place up; entering again later takes a new one at the back.
     * @example
     * await fanfare.queues.leave("queue_…");
     */
    leave: (id: string) => this.asConsumer(leaveQueue, { params: { id } }),
    /**
     * The consumer's place: position while waiting, the admission token once admitted.
     * @example
     * const state = await fanfare.queues.status("queue_…");
     * if (state.status === "ADMITTED") await checkout(state.admissionToken);
     */
    status: (id: string) => this.asConsumer(queueStatus, { params: { id } }),
  };

  readonly consumers = {
    /**
     * The signed-in consumer.
     * @example
     * const { id, email } = await fanfare.consumers.me();
     */
    me: () => this.asConsumer(getMe, {}),
  };

  /** A route called with the publishable key alone. */
  private send<D extends RouteDefinition>(
    route: Route<D>,
    input: RouteInput<D>,
    headers: Record<string, string> = {},
  ): Promise<RouteOutput<D>> {
    return this.http.call(route, input, { ...headers, ...this.keyHeader });
  }

  /** A route called as the signed-in consumer: a fresh token first, and one refresh-and-retry on 401. */
  private async asConsumer<D extends RouteDefinition>(
    route: Route<D>,
    input: RouteInput<D>,
    headers: Record<string, string> = {},
  ): Promise<RouteOutput<D>> {
    const send = (tokens: StoredSession) =>
      this.send(route, input, { ...headers, authorization: `Bearer ${tokens.accessToken}` });
    const tokens = await this.validTokens();
    try {
      return await send(tokens);
    } catch (err) {
      if (!(err instanceof FanfareError) || err.status !== 401 || err.code === "authentication_required") throw err;
      return send(await this.refresh(tokens));
    }
  }

  private async validTokens(): Promise<StoredSession> {
    const stored = this.storage.get();
    if (!stored)
      throw new FanfareError(401, "authentication_required", "Sign in first: call auth.guest() or auth.verifyOtp().");
    const expiresAt = Date.parse(stored.accessTokenExpiresAt);
    return expiresAt - Date.now() > this.refreshMarginMs ? stored : this.refresh(stored);
  }

  /** One refresh at a time: concurrent callers share the one in flight. */
  private refresh(stale: StoredSession): Promise<StoredSession> {
    this.refreshing ??= (async () => {
      const current = this.storage.get();
      // Another caller may have refreshed already; never send a rotated refresh token twice.
      if (current && current.refreshToken !== stale.refreshToken) return current;
      try {
        const pair = await this.send(refreshSession, { body: { refreshToken: stale.refreshToken } });
        const next: StoredSession = { ...stale, ...pair };
        this.storage.set(next);
        return next;
      } catch (err) {
        if (err instanceof FanfareError && err.status === 401) this.signedOut();
        throw err;
      }
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private signedIn(envelope: SessionEnvelope): Session {
    const { session, accessToken, accessTokenExpiresAt, refreshToken } = envelope;
    this.storage.set({ session, accessToken, accessTokenExpiresAt, refreshToken });
    for (const listener of this.listeners) listener(session);
    return session;
  }

  private signedOut(): void {
    this.storage.clear();
    for (const listener of this.listeners) listener(null);
  }
}
