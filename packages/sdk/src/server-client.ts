import { resolveBaseUrl } from "./base-url.js";
import { FanfareError } from "./errors.js";
import { Http, type RequestSpec } from "./http.js";
import type {
  Alert,
  AlertRules,
  AlertRulesChange,
  ApiKey,
  ApiKeyWithSecret,
  CompleteResult,
  Consumer,
  CreateApiKey,
  CreateExperience,
  CreateQueue,
  CreateWebhookEndpoint,
  Deleted,
  DenyReason,
  Experience,
  ExternalAuthorize,
  ExternalAuthorizeResult,
  KeyUsage,
  ListApiKeys,
  OrganizationUsage,
  Page,
  PageQuery,
  Queue,
  QueueConsumerState,
  UpdateApiKey,
  UpdateExperience,
  UpdateQueue,
  UsageQuery,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
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

const enc = encodeURIComponent;

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
      baseUrl: resolveBaseUrl(options.baseUrl, "FANFARE_BASE_URL", { client, option: "baseUrl", api: "consumer API" }),
    });
    this.adminApi = new Http({
      ...common,
      baseUrl: resolveBaseUrl(options.adminBaseUrl, "FANFARE_ADMIN_BASE_URL", {
        client,
        option: "adminBaseUrl",
        api: "admin API",
      }),
    });
    this.authorization = { authorization: `Bearer ${options.apiKey}` };
  }

  private admin<T>(spec: RequestSpec): Promise<T> {
    return this.adminApi.request<T>({ ...spec, headers: this.authorization });
  }

  private consumer<T>(spec: RequestSpec): Promise<T> {
    return this.consumerApi.request<T>({ ...spec, headers: this.authorization });
  }

  readonly experiences = {
    create: (body: CreateExperience) => this.admin<Experience>({ method: "POST", path: "/experiences", body }),
    list: (query: PageQuery = {}) =>
      this.admin<Page<Experience>>({ method: "GET", path: "/experiences", query: { ...query } }),
    get: (id: string) => this.admin<Experience>({ method: "GET", path: `/experiences/${enc(id)}` }),
    update: (id: string, body: UpdateExperience) =>
      this.admin<Experience>({ method: "PATCH", path: `/experiences/${enc(id)}`, body }),
    delete: (id: string) => this.admin<Deleted<"experience">>({ method: "DELETE", path: `/experiences/${enc(id)}` }),
  };

  readonly queues = {
    create: (experienceId: string, body: CreateQueue) =>
      this.admin<Queue>({ method: "POST", path: `/experiences/${enc(experienceId)}/queues`, body }),
    list: (experienceId: string) =>
      this.admin<{ data: Queue[] }>({ method: "GET", path: `/experiences/${enc(experienceId)}/queues` }),
    get: (id: string) => this.admin<Queue>({ method: "GET", path: `/queues/${enc(id)}` }),
    update: (id: string, body: UpdateQueue) => this.admin<Queue>({ method: "PATCH", path: `/queues/${enc(id)}`, body }),
    delete: (id: string) => this.admin<Deleted<"queue">>({ method: "DELETE", path: `/queues/${enc(id)}` }),
    /** Admits one consumer. */
    admit: (id: string, consumerId: string) =>
      this.consumer<QueueConsumerState>({ method: "POST", path: `/queues/${enc(id)}/admit`, body: { consumerId } }),
    /** Admits the next `count` consumers in arrival order. */
    admitNext: (id: string, count: number) =>
      this.consumer<{ data: QueueConsumerState[] }>({
        method: "POST",
        path: `/queues/${enc(id)}/admit`,
        body: { count },
      }),
    complete: (id: string, consumerId: string) =>
      this.consumer<CompleteResult>({ method: "POST", path: `/queues/${enc(id)}/complete`, body: { consumerId } }),
    deny: (id: string, consumerId: string, reason: DenyReason) =>
      this.consumer<QueueConsumerState>({
        method: "POST",
        path: `/queues/${enc(id)}/deny`,
        body: { consumerId, reason },
      }),
    /** True for a live admission of this consumer (and device); false for any invalid one. */
    validate: async (id: string, body: { consumerId: string; token: string; fingerprint?: string }) => {
      try {
        return await this.consumer<true>({ method: "POST", path: `/queues/${enc(id)}/validate`, body });
      } catch (err) {
        if (err instanceof FanfareError && err.status === 403 && err.code === "invalid_admission") return false;
        throw err;
      }
    },
  };

  readonly consumers = {
    list: (query: PageQuery & { email?: string; phone?: string } = {}) =>
      this.admin<Page<Consumer>>({ method: "GET", path: "/consumers", query: { ...query } }),
    get: (id: string) => this.admin<Consumer>({ method: "GET", path: `/consumers/${enc(id)}` }),
    revokeSessions: (id: string) =>
      this.admin<{ consumerId: string; revokedSessions: number }>({
        method: "POST",
        path: `/consumers/${enc(id)}/sessions/revoke`,
      }),
    /** Erases the consumer's personal data. */
    delete: (id: string) => this.admin<Deleted<"consumer">>({ method: "DELETE", path: `/consumers/${enc(id)}` }),
  };

  readonly apiKeys = {
    create: (body: CreateApiKey) => this.admin<ApiKeyWithSecret>({ method: "POST", path: "/api-keys", body }),
    list: (query: ListApiKeys = {}) =>
      this.admin<Page<ApiKey>>({ method: "GET", path: "/api-keys", query: { ...query } }),
    get: (id: string) => this.admin<ApiKey>({ method: "GET", path: `/api-keys/${enc(id)}` }),
    update: (id: string, body: UpdateApiKey) =>
      this.admin<ApiKey>({ method: "PATCH", path: `/api-keys/${enc(id)}`, body }),
    regenerate: (id: string, body: { gracePeriodSeconds?: number } = {}) =>
      this.admin<ApiKeyWithSecret>({ method: "POST", path: `/api-keys/${enc(id)}/regenerate`, body }),
    deactivate: (id: string) => this.admin<ApiKey>({ method: "POST", path: `/api-keys/${enc(id)}/deactivate` }),
    activate: (id: string) => this.admin<ApiKey>({ method: "POST", path: `/api-keys/${enc(id)}/activate` }),
    delete: (id: string) => this.admin<Deleted<"api_key">>({ method: "DELETE", path: `/api-keys/${enc(id)}` }),
    usage: (id: string, query: UsageQuery = {}) =>
      this.admin<KeyUsage>({ method: "GET", path: `/api-keys/${enc(id)}/usage`, query: { ...query } }),
  };

  readonly usage = {
    get: (query: UsageQuery = {}) =>
      this.admin<OrganizationUsage>({ method: "GET", path: "/usage", query: { ...query } }),
  };

  readonly alerts = {
    list: (query: PageQuery & { status?: "open" | "resolved"; type?: Alert["type"] } = {}) =>
      this.admin<Page<Alert>>({ method: "GET", path: "/alerts", query: { ...query } }),
    acknowledge: (id: string) =>
      this.admin<Alert>({ method: "PATCH", path: `/alerts/${enc(id)}`, body: { acknowledged: true } }),
    rules: {
      get: () => this.admin<AlertRules>({ method: "GET", path: "/alert-rules" }),
      update: (change: AlertRulesChange) =>
        this.admin<AlertRules>({ method: "PUT", path: "/alert-rules", body: change }),
    },
  };

  readonly webhookEndpoints = {
    create: (body: CreateWebhookEndpoint) =>
      this.admin<WebhookEndpointWithSecret>({ method: "POST", path: "/webhook-endpoints", body }),
    list: () => this.admin<{ data: WebhookEndpoint[] }>({ method: "GET", path: "/webhook-endpoints" }),
    get: (id: string) => this.admin<WebhookEndpoint>({ method: "GET", path: `/webhook-endpoints/${enc(id)}` }),
    deliveries: (id: string) =>
      this.admin<{ data: WebhookDelivery[] }>({ method: "GET", path: `/webhook-endpoints/${enc(id)}/deliveries` }),
    delete: (id: string) =>
      this.admin<Deleted<"webhook_endpoint">>({ method: "DELETE", path: `/webhook-endpoints/${enc(id)}` }),
  };

  readonly auth = {
    external: {
      /** Signs one of your logged-in customers in: returns a one-time code for the browser to exchange. */
      authorize: (body: ExternalAuthorize) =>
        this.consumer<ExternalAuthorizeResult>({ method: "POST", path: "/auth/external/authorize", body }),
    },
  };

  readonly webhooks = {
    /** Checks a delivery's signature and freshness; pass the raw request body. */
    verify: verifyWebhook,
  };
}
