import type { Route, RouteDefinition, RouteInput, RouteOutput } from "@fanfare/contract/routes";
import * as routes from "@fanfare/contract/routes";
import { resolveBaseUrl } from "./base-url.js";
import { FanfareError } from "./errors.js";
import { Http } from "./http.js";
import type {
  Alert,
  AlertRulesChange,
  CreateApiKey,
  CreateExperience,
  CreateQueue,
  CreateWebhookEndpoint,
  DenyReason,
  ExternalAuthorize,
  ListApiKeys,
  PageQuery,
  QueueConsumerState,
  UpdateApiKey,
  UpdateExperience,
  UpdateQueue,
  UsageQuery,
} from "./types.js";
import { verifyWebhook } from "./webhooks.js";

export interface FanfareClientOptions {
  /** A secret key, `sk_live_…` or `sk_test_…`. Never ship it to a browser. */
  apiKey: string;
  /**
   * The consumer API (server-side routes: queue admission, external sign-in), e.g.
   * `http://localhost:4000`. Required, or set `FANFARE_BASE_URL`: the client never guesses a host.
   */
  baseUrl?: string;
  /**
   * The admin API (experiences, queues, consumers, keys, usage, alerts, webhooks), e.g.
   * `http://localhost:4001`. Required, or set `FANFARE_ADMIN_BASE_URL`.
   */
  adminBaseUrl?: string;
  timeoutMs?: number;
  /** Retries on 429, 503 and — for idempotent requests — other 5xx and network errors. */
  maxRetries?: number;
  fetch?: typeof fetch;
}

/** The client for merchant servers, authenticated with a secret key. */
export class FanfareClient {
  private readonly consumerApi: Http;
  private readonly adminApi: Http;
  private readonly authorization: Record<string, string>;

  constructor(options: FanfareClientOptions) {
    if (!/^sk_(live|test)_/.test(options.apiKey)) {
      const hint = options.apiKey.startsWith("pk_")
        ? "This is a publishable key: use `new Fanfare({ publishableKey })` in browsers."
        : "Expected sk_live_… or sk_test_….";
      throw new FanfareError(0, "invalid_api_key", `FanfareClient needs a secret key. ${hint}`);
    }
    const common = {
      timeoutMs: options.timeoutMs ?? 30_000,
      maxRetries: options.maxRetries ?? 2,
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    };
    const client = "FanfareClient";
    this.consumerApi = new Http({
      ...common,
      baseUrl: resolveBaseUrl(options.baseUrl, "FANFARE_BASE_URL", {
        client,
        option: "baseUrl",
        api: "consumer API",
        example: "http://localhost:4000",
      }),
    });
    this.adminApi = new Http({
      ...common,
      baseUrl: resolveBaseUrl(options.adminBaseUrl, "FANFARE_ADMIN_BASE_URL", {
        client,
        option: "adminBaseUrl",
        api: "admin API",
        example: "http://localhost:4001",
      }),
    });
    this.authorization = { authorization: `Bearer ${options.apiKey}` };
  }

  /**
   * Calls any route of the contract (`@fanfare/contract/routes`) with the secret key, on the API
   * that serves it; its input and answer are typed by the route's schemas.
   * @example
   * // routes: `import { routes } from "@fanfare/sdk"`
   * const state = await fanfare.call(routes.denyConsumer, {
   *   params: { id: queue.id },
   *   body: { consumerId, reason: "ADMIN_ACTION" },
   * });
   */
  call<D extends RouteDefinition>(route: Route<D>, input: RouteInput<D>): Promise<RouteOutput<D>> {
    return (route.api === "admin" ? this.adminApi : this.consumerApi).call(route, input, this.authorization);
  }

  readonly experiences = {
    /**
     * Creates an experience (a drop) in the key's mode.
     * @example
     * const drop = await fanfare.experiences.create({ name: "Holiday Sale", openAt: "2026-12-01T09:00:00Z" });
     */
    create: (body: CreateExperience) => this.call(routes.createExperience, { body }),
    /**
     * One page of experiences, newest first; pass the previous page's `pageInfo.endCursor` as `after` for the next.
     * @example
     * const { data, pageInfo } = await fanfare.experiences.list({ first: 50 });
     * if (pageInfo.hasNextPage) await fanfare.experiences.list({ first: 50, after: pageInfo.endCursor ?? undefined });
     */
    list: (query: PageQuery = {}) => this.call(routes.listExperiences, { query }),
    /**
     * One experience by id.
     * @example
     * const drop = await fanfare.experiences.get("exp_…");
     */
    get: (id: string) => this.call(routes.getExperience, { params: { id } }),
    /**
     * Changes the given fields only.
     * @example
     * await fanfare.experiences.update(drop.id, { closeAt: "2026-12-01T21:00:00Z" });
     */
    update: (id: string, body: UpdateExperience) => this.call(routes.updateExperience, { params: { id }, body }),
    /**
     * Deletes an experience and its queues.
     * @example
     * await fanfare.experiences.delete(drop.id); // { id, object: "experience", deleted: true }
     */
    delete: (id: string) => this.call(routes.deleteExperience, { params: { id } }),
  };

  readonly queues = {
    /**
     * Creates a queue in an experience.
     * @example
     * const queue = await fanfare.queues.create(drop.id, { name: "Main", capacity: 5000, admissionTtlSeconds: 600 });
     */
    create: (experienceId: string, body: CreateQueue) =>
      this.call(routes.createQueue, { params: { id: experienceId }, body }),
    /**
     * Every queue of an experience.
     * @example
     * const { data: queues } = await fanfare.queues.list(drop.id);
     */
    list: (experienceId: string) => this.call(routes.listQueues, { params: { id: experienceId } }),
    /**
     * One queue: its status and how many consumers hold a place.
     * @example
     * const { status, consumerCount } = await fanfare.queues.get(queue.id);
     */
    get: (id: string) => this.call(routes.getQueue, { params: { id } }),
    /**
     * Changes the given fields only.
     * @example
     * await fanfare.queues.update(queue.id, { capacity: 8000 });
     */
    update: (id: string, body: UpdateQueue) => this.call(routes.updateQueue, { params: { id }, body }),
    /**
     * Deletes a queue and its entries.
     * @example
     * await fanfare.queues.delete(queue.id);
     */
    delete: (id: string) => this.call(routes.deleteQueue, { params: { id } }),
    /**
     * Admits one consumer, whatever their place in line.
     * @example
     * const state = await fanfare.queues.admit(queue.id, "guest_…"); // state.status === "ADMITTED"
     */
    admit: async (id: string, consumerId: string) =>
      one(await this.call(routes.admitConsumers, { params: { id }, body: { consumerId } })),
    /**
     * Admits the next `count` consumers in arrival order.
     * @example
     * const { data: admitted } = await fanfare.queues.admitNext(queue.id, 100);
     */
    admitNext: async (id: string, count: number) =>
      many(await this.call(routes.admitConsumers, { params: { id }, body: { count } })),
    /**
     * Marks an admitted consumer's purchase done: their admission token stops working.
     * @example
     * await fanfare.queues.complete(queue.id, consumerId);
     */
    complete: (id: string, consumerId: string) =>
      this.call(routes.completeAdmission, { params: { id }, body: { consumerId } }),
    /**
     * Removes a consumer from the line for good, with a reason.
     * @example
     * await fanfare.queues.deny(queue.id, consumerId, "FRAUD_DETECTED");
     */
    deny: (id: string, consumerId: string, reason: DenyReason) =>
      this.call(routes.denyConsumer, { params: { id }, body: { consumerId, reason } }),
    /**
     * True for a live admission of this consumer (and device); false for any invalid one.
     * Call it at checkout, on your server, with the token the browser sent in a request body.
     * @example
     * const ok = await fanfare.queues.validate(queue.id, { consumerId, token: admissionToken, fingerprint });
     * if (!ok) return response.status(403).end();
     */
    validate: async (id: string, body: { consumerId: string; token: string; fingerprint?: string }) => {
      try {
        return await this.call(routes.validateAdmission, { params: { id }, body });
      } catch (err) {
        if (err instanceof FanfareError && err.status === 403 && err.code === "invalid_admission") return false;
        throw err;
      }
    },
  };

  readonly consumers = {
    /**
     * One page of consumers, newest first; `email` or `phone` finds one.
     * @example
     * const { data: [shopper] } = await fanfare.consumers.list({ email: "shopper@example.com" });
     */
    list: (query: PageQuery & { email?: string; phone?: string } = {}) => this.call(routes.listConsumers, { query }),
    /**
     * One consumer by id.
     * @example
     * const shopper = await fanfare.consumers.get("cons_…");
     */
    get: (id: string) => this.call(routes.getConsumer, { params: { id } }),
    /**
     * Signs a consumer out everywhere: every session and its tokens stop working.
     * @example
     * const { revokedSessions } = await fanfare.consumers.revokeSessions("cons_…");
     */
    revokeSessions: (id: string) => this.call(routes.signOutConsumer, { params: { id } }),
    /**
     * Erases the consumer's personal data.
     * @example
     * await fanfare.consumers.delete("cons_…");
     */
    delete: (id: string) => this.call(routes.eraseConsumer, { params: { id } }),
  };

  readonly apiKeys = {
    /**
     * Creates a key; the full `key` is in this answer only: store it now.
     * @example
     * const { key } = await fanfare.apiKeys.create({ name: "Checkout server", type: "secret", permissions: ["read:experiences"] });
     */
    create: (body: CreateApiKey) => this.call(routes.createApiKey, { body }),
    /**
     * One page of keys (never their secrets).
     * @example
     * const { data: keys } = await fanfare.apiKeys.list({ type: "secret" });
     */
    list: (query: ListApiKeys = {}) => this.call(routes.listApiKeys, { query }),
    /**
     * One key by id (never its secret).
     * @example
     * const key = await fanfare.apiKeys.get("key_…");
     */
    get: (id: string) => this.call(routes.getApiKey, { params: { id } }),
    /**
     * Changes a key's name, permissions, expiry or allowed networks.
     * @example
     * await fanfare.apiKeys.update("key_…", { name: "Checkout (EU)", allowedCidrs: ["203.0.113.0/24"] });
     */
    update: (id: string, body: UpdateApiKey) => this.call(routes.updateApiKey, { params: { id }, body }),
    /**
     * A new key in place of this one; the old one keeps working for `gracePeriodSeconds`, on data only
     * (management routes answer it 403 `key_rotating`). A concurrent regeneration answers 409 `key_regeneration_conflict`.
     * @example
     * const { key, previousKeyExpiresAt } = await fanfare.apiKeys.regenerate("key_…", { gracePeriodSeconds: 3600 });
     */
    regenerate: (id: string, body: { gracePeriodSeconds?: number } = {}) =>
      this.call(routes.regenerateApiKey, { params: { id }, body }),
    /**
     * Stops a key from working until it is activated again.
     * @example
     * await fanfare.apiKeys.deactivate("key_…");
     */
    deactivate: (id: string) => this.call(routes.deactivateApiKey, { params: { id } }),
    /**
     * Lets a deactivated key work again.
     * @example
     * await fanfare.apiKeys.activate("key_…");
     */
    activate: (id: string) => this.call(routes.activateApiKey, { params: { id } }),
    /**
     * Deletes a key for good.
     * @example
     * await fanfare.apiKeys.delete("key_…");
     */
    delete: (id: string) => this.call(routes.deleteApiKey, { params: { id } }),
    /**
     * A key's requests per minute, hour or day, by outcome.
     * @example
     * const { totals, series } = await fanfare.apiKeys.usage("key_…", { interval: "hour" });
     */
    usage: (id: string, query: UsageQuery = {}) => this.call(routes.getKeyUsage, { params: { id }, query }),
  };

  readonly usage = {
    /**
     * The organization's requests per minute, hour or day, by outcome and by key.
     * @example
     * const { totals, keys } = await fanfare.usage.get({ interval: "minute" });
     */
    get: (query: UsageQuery = {}) => this.call(routes.getOrganizationUsage, { query }),
  };

  readonly alerts = {
    /**
     * One page of alerts, newest first.
     * @example
     * const { data: open } = await fanfare.alerts.list({ status: "open" });
     */
    list: (query: PageQuery & { status?: "open" | "resolved"; type?: Alert["type"] } = {}) =>
      this.call(routes.listAlerts, { query }),
    /**
     * Marks an alert as seen.
     * @example
     * await fanfare.alerts.acknowledge("alrt_…");
     */
    acknowledge: (id: string) => this.call(routes.acknowledgeAlert, { params: { id }, body: { acknowledged: true } }),
    rules: {
      /**
       * The thresholds that raise alerts.
       * @example
       * const rules = await fanfare.alerts.rules.get();
       */
      get: () => this.call(routes.getAlertRules, {}),
      /**
       * Changes the given rules only.
       * @example
       * await fanfare.alerts.rules.update({ errorRate: { enabled: true, threshold: 0.05 } });
       */
      update: (change: AlertRulesChange) => this.call(routes.changeAlertRules, { body: change }),
    },
  };

  readonly webhookEndpoints = {
    /**
     * Registers an HTTPS endpoint; its signing `secret` is in this answer only: store it now.
     * @example
     * const { id, secret } = await fanfare.webhookEndpoints.create({ url: "https://shop.example.com/fanfare", events: ["alert.fired"] });
     */
    create: (body: CreateWebhookEndpoint) => this.call(routes.createWebhookEndpoint, { body }),
    /**
     * Every endpoint (never their secrets).
     * @example
     * const { data: endpoints } = await fanfare.webhookEndpoints.list();
     */
    list: () => this.call(routes.listWebhookEndpoints, {}),
    /**
     * One endpoint by id.
     * @example
     * const endpoint = await fanfare.webhookEndpoints.get("whk_…");
     */
    get: (id: string) => this.call(routes.getWebhookEndpoint, { params: { id } }),
    /**
     * An endpoint's recent deliveries and their outcomes.
     * @example
     * const { data: deliveries } = await fanfare.webhookEndpoints.deliveries("whk_…");
     */
    deliveries: (id: string) => this.call(routes.listWebhookDeliveries, { params: { id } }),
    /**
     * Sends a signed `webhook.test` event to the endpoint (whatever events it subscribed to) and
     * answers with its queued delivery, which then shows in `deliveries`.
     * @example
     * const { eventId } = await fanfare.webhookEndpoints.sendTestEvent("whk_…");
     */
    sendTestEvent: (id: string) => this.call(routes.sendWebhookTestEvent, { params: { id } }),
    /**
     * Stops deliveries to an endpoint and deletes it.
     * @example
     * await fanfare.webhookEndpoints.delete("whk_…");
     */
    delete: (id: string) => this.call(routes.deleteWebhookEndpoint, { params: { id } }),
  };

  readonly auth = {
    external: {
      /**
       * Signs one of your logged-in customers in: returns a one-time code for the browser to exchange
       * (`Fanfare.auth.exchangeExternal`) within 60 s.
       * @example
       * const { exchangeCode } = await fanfare.auth.external.authorize({
       *   provider: "shopify",
       *   issuer: "https://your-store.myshopify.com",
       *   subject: "customer_123456",
       * });
       */
      authorize: (body: ExternalAuthorize) => this.call(routes.authorizeExternal, { body }),
    },
  };

  readonly webhooks = {
    /**
     * Checks a delivery's signature and freshness; pass the raw request body (see `verifyWebhook`).
     * @example
     * const genuine = await fanfare.webhooks.verify(rawBody, request.headers, process.env.FANFARE_WEBHOOK_SECRET ?? "");
     */
    verify: verifyWebhook,
  };
}

type AdmitAnswer = RouteOutput<typeof routes.admitConsumers>;

/** `admit` with a consumer id answers that consumer's state. */
function one(answer: AdmitAnswer): QueueConsumerState {
  if ("data" in answer) throw new FanfareError(0, "unknown_error", "Expected one admitted consumer, got a list.");
  return answer;
}

/** `admit` with a count answers the list of those admitted. */
function many(answer: AdmitAnswer): { data: QueueConsumerState[] } {
  if (!("data" in answer)) throw new FanfareError(0, "unknown_error", "Expected a list of admitted consumers.");
  return answer;
}
