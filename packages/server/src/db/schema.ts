import type { Generated } from "kysely";

/** Timestamps are ISO-8601 UTC text in both dialects, so they compare and sort as strings. */
type Timestamp = string;

export type Plan = "free" | "basic" | "pro" | "enterprise";
export type Mode = "live" | "test";
export type KeyKind = "publishable" | "secret";

export interface OrganizationsTable {
  id: string;
  name: string;
  slug: string;
  plan: Plan;
  /** Only for `enterprise`: the custom per-minute limit. */
  rate_limit_per_minute: number | null;
  access_token_ttl_seconds: number;
  refresh_token_ttl_seconds: number;
  /** JSON array of origins allowed for browser use of live mode (`*.example.com` wildcards). */
  allowed_origins: string;
  /** The same for test mode; null: the default (`http://localhost:*`, `http://127.0.0.1:*`). */
  test_allowed_origins: string | null;
  /** JSON array of ISO 3166 country codes SMS codes may be sent to (SMS-pumping guard). */
  sms_allowed_countries: Generated<string>;
  /** The organization's own code-delivery endpoint, if any, and its signing secret (sealed). */
  otp_webhook_url: string | null;
  otp_webhook_secret_sealed: string | null;
  alert_rules: Generated<string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  organization_id: string;
  mode: Mode;
  kind: KeyKind;
  name: string;
  /** `v1$` + base64url HMAC-SHA-256 of the full key; never the key itself. */
  digest: string;
  /** Prefix + first 4 + last 4 characters, safe to display. */
  hint: string;
  /** JSON array of scopes. */
  permissions: string;
  status: "active" | "inactive";
  expires_at: Timestamp | null;
  /** JSON array of CIDR ranges a secret key may be used from; empty = anywhere. */
  allowed_cidrs: string;
  created_at: Timestamp;
  /** `key_…` or `mbr_…` of whoever created it; null for the CLI. */
  created_by: string | null;
  last_used_at: Timestamp | null;
  rotated_at: Generated<Timestamp | null>;
  /** Set when deleted: the row stays as a tombstone for the audit log and usage history. */
  deleted_at: Timestamp | null;
  updated_at: Timestamp;
}

export interface ApiKeyPreviousDigestsTable {
  digest: string;
  key_id: string;
  /** The end of the grace period a regeneration granted to the old key. */
  expires_at: Timestamp;
}

export type ActorType = "api_key" | "member" | "cli";
/** Which value of a key acted: its current one, or the one a regeneration retired, in its grace period. */
export type KeyValue = "current" | "previous";

export interface AuditLogTable {
  id: string;
  organization_id: string;
  mode: Mode;
  /** e.g. `api_key.created`, `api_key.regenerated`, `organization.updated`. */
  action: string;
  actor_type: ActorType;
  actor_id: string | null;
  /** Set for key actors since migration 0018; null for members, the CLI and older rows. */
  actor_key_value: KeyValue | null;
  target_type: string;
  target_id: string;
  ip: string | null;
  request_id: string | null;
  /** JSON snapshots with secrets left out. */
  before: string | null;
  after: string | null;
  created_at: Timestamp;
}

export interface SigningKeysTable {
  kid: string;
  public_jwk: string;
  private_key_encrypted: string;
  created_at: Timestamp;
  retired_at: Timestamp | null;
}

export type ConsumerKind = "guest" | "consumer";

export interface ConsumersTable {
  id: string;
  organization_id: string;
  mode: Mode;
  kind: ConsumerKind;
  email: string | null;
  phone: string | null;
  full_name: string | null;
  name: string | null;
  upgraded_to: string | null;
  /** Set when the merchant erased the consumer: personal fields are nulled, counts stay. */
  erased_at: Generated<Timestamp | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type SessionType = "guest" | "authenticated";

export interface SessionsTable {
  id: string;
  organization_id: string;
  mode: Mode;
  consumer_id: string;
  type: SessionType;
  created_at: Timestamp;
  expires_at: Timestamp;
  last_refreshed_at: Timestamp | null;
  revoked_at: Timestamp | null;
  revoked_reason: string | null;
}

export interface RefreshTokensTable {
  digest: string;
  session_id: string;
  status: "active" | "rotated";
  created_at: Timestamp;
  rotated_at: Timestamp | null;
  successor_encrypted: string | null;
}

export interface ExternalIdentitiesTable {
  organization_id: string;
  mode: Mode;
  provider: string;
  issuer: string;
  subject: string;
  consumer_id: string;
  canonical_subject: string | null;
  email: string | null;
  created_at: Timestamp;
}

export interface ExchangeCodesTable {
  digest: string;
  organization_id: string;
  mode: Mode;
  consumer_id: string;
  expires_at: Timestamp;
  consumed_at: Timestamp | null;
  session_id: string | null;
  replayed_at: Timestamp | null;
  created_at: Timestamp;
}

export type OtpChannel = "email" | "sms";

/** Codes of different purposes never share a row, even for the same identifier. */
export type CodePurpose = "consumer" | "member";

export type MemberRole = "owner" | "admin" | "editor" | "viewer";

export interface MembersTable {
  id: string;
  organization_id: string;
  email: string;
  role: MemberRole;
  created_at: Timestamp;
  last_signed_in_at: Timestamp | null;
}

export interface DashboardSessionsTable {
  id: string;
  member_id: string;
  organization_id: string;
  /** HMAC of the cookie's secret half; the cookie itself is never stored. */
  token_digest: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  /** Absolute end; inactivity ends it sooner. */
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  ip: string | null;
  user_agent: string | null;
}

/**
 * A dashboard sign-in (or invitation) code, keyed by a digest of the asking browser's attempt
 * cookie; the email is bound only inside the code's digest. Deleted when used.
 */
export interface DashboardSignInCodesTable {
  attempt_digest: string;
  digest: string;
  attempts: number;
  expires_at: Timestamp;
}

export interface MemberInvitationsTable {
  id: string;
  organization_id: string;
  email: string;
  role: MemberRole;
  code_digest: string;
  invited_by: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  accepted_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface OtpCodesTable {
  organization_id: string;
  mode: Mode;
  purpose: CodePurpose;
  identifier: string;
  channel: OtpChannel;
  digest: string;
  expires_at: Timestamp;
  attempts: number;
  sent_at: Timestamp;
  consumed_at: Timestamp | null;
  failures: number;
  failure_window_started_at: Timestamp | null;
  locked_until: Timestamp | null;
}

export interface TestOutboxTable {
  id: string;
  organization_id: string;
  mode: Mode;
  recipient: string;
  channel: OtpChannel;
  code: string;
  created_at: Timestamp;
}

export interface ExperiencesTable {
  id: string;
  organization_id: string;
  mode: Mode;
  name: string;
  open_at: Timestamp | null;
  close_at: Timestamp | null;
  /** IANA zone the merchant thinks in (for display); times are stored in UTC. */
  time_zone: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
}

export type QueueStatus = "PENDING" | "OPEN" | "CLOSED";

export interface QueuesTable {
  id: string;
  organization_id: string;
  mode: Mode;
  experience_id: string;
  name: string;
  capacity: number | null;
  open_at: Timestamp | null;
  close_at: Timestamp | null;
  status_override: "OPEN" | "CLOSED" | null;
  admission_ttl_seconds: number;
  /** The last arrival number handed out; entries take `last_seq + 1` under the row's lock. */
  last_seq: Generated<number>;
  waiting_count: Generated<number>;
  admitted_count: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
}

/** `EXPIRED`: admitted, but the admission ran out before `complete`; the place is freed. */
export type EntryStatus = "QUEUED" | "ADMITTED" | "COMPLETED" | "DENIED" | "LEFT" | "EXPIRED";
export type DenyReason = "ORDER_LIMIT_EXCEEDED" | "FRAUD_DETECTED" | "ADMIN_ACTION";

export interface QueueEntriesTable {
  queue_id: string;
  consumer_id: string;
  organization_id: string;
  mode: Mode;
  seq: number;
  status: EntryStatus;
  fingerprint: string | null;
  entered_at: Timestamp;
  admitted_at: Timestamp | null;
  admission_expires_at: Timestamp | null;
  finished_at: Timestamp | null;
  deny_reason: DenyReason | null;
  updated_at: Timestamp;
}

export interface QueueDeparturesTable {
  queue_id: string;
  node: number;
  departed: number;
}

export type UsageGranularity = "minute" | "hour";

export interface ApiKeyUsageTable {
  key_id: string;
  granularity: UsageGranularity;
  bucket_start: Timestamp;
  organization_id: string;
  mode: Mode;
  requests: number;
  successes: number;
  client_errors: number;
  server_errors: number;
  rate_limited: number;
}

export interface CodeDeliveriesTable {
  organization_id: string;
  mode: Mode;
  bucket_start: Timestamp;
  delivered: number;
  failed: number;
  last_delivered_at: Timestamp | null;
  last_failed_at: Timestamp | null;
  expires_at: Timestamp;
}

export interface QueueActivityTable {
  queue_id: string;
  bucket_start: Timestamp;
  kind: string;
  count: number;
  expires_at: Timestamp;
}

export interface WebhookEndpointsTable {
  id: string;
  organization_id: string;
  mode: Mode;
  url: string;
  description: string | null;
  events: string;
  secret_sealed: string;
  created_at: Timestamp;
  deleted_at: Timestamp | null;
}

export type DeliveryStatus = "pending" | "succeeded" | "failed";

export interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  organization_id: string;
  mode: Mode;
  event_id: string;
  event_type: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Timestamp;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type AlertType =
  | "rate_limit_approaching"
  | "unusual_activity"
  | "error_rate"
  | "unused_key"
  | "rotation_due"
  | "code_delivery_failing";

export interface AlertsTable {
  id: string;
  organization_id: string;
  mode: Mode;
  type: AlertType;
  key_id: string;
  status: "open" | "resolved";
  details: string;
  fired_at: Timestamp;
  resolved_at: Timestamp | null;
  acknowledged_at: Timestamp | null;
  updated_at: Timestamp;
}

export interface Database {
  organizations: OrganizationsTable;
  api_keys: ApiKeysTable;
  api_key_previous_digests: ApiKeyPreviousDigestsTable;
  audit_log: AuditLogTable;
  signing_keys: SigningKeysTable;
  consumers: ConsumersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  external_identities: ExternalIdentitiesTable;
  exchange_codes: ExchangeCodesTable;
  otp_codes: OtpCodesTable;
  test_outbox: TestOutboxTable;
  experiences: ExperiencesTable;
  queues: QueuesTable;
  queue_entries: QueueEntriesTable;
  queue_departures: QueueDeparturesTable;
  api_key_usage: ApiKeyUsageTable;
  code_deliveries: CodeDeliveriesTable;
  queue_activity: QueueActivityTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  alerts: AlertsTable;
  members: MembersTable;
  dashboard_sessions: DashboardSessionsTable;
  member_invitations: MemberInvitationsTable;
  dashboard_sign_in_codes: DashboardSignInCodesTable;
}
