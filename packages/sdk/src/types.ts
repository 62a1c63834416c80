import type * as C from "@fanfare/contract";
import type { Static } from "typebox";

/** Types of the API, derived from the schemas the server validates and serialises with. */
export type Experience = Static<typeof C.ExperienceView>;
export type ExperiencePublic = Static<typeof C.ExperiencePublicView>;
export type CreateExperience = Static<typeof C.CreateExperienceBody>;
export type UpdateExperience = Static<typeof C.UpdateExperienceBody>;
export type Queue = Static<typeof C.QueueView>;
export type QueuePublic = Static<typeof C.QueuePublicView>;
export type CreateQueue = Static<typeof C.CreateQueueBody>;
export type UpdateQueue = Static<typeof C.UpdateQueueBody>;
export type QueueConsumerState = Static<typeof C.QueueConsumerState>;
export type LeaveResult = Static<typeof C.LeaveResult>;
export type CompleteResult = Static<typeof C.CompleteResult>;
export type DenyReason = Static<typeof C.DenyReason>;
export type Consumer = Static<typeof C.ConsumerView>;
export type ConsumerMe = Static<typeof C.ConsumerMe>;
export type ApiKey = Static<typeof C.ApiKeyView>;
export type ApiKeyWithSecret = Static<typeof C.ApiKeyWithSecret>;
export type CreateApiKey = Static<typeof C.CreateApiKeyBody>;
export type UpdateApiKey = Static<typeof C.UpdateApiKeyBody>;
export type ListApiKeys = Static<typeof C.ListApiKeysQuery>;
export type KeyUsage = Static<typeof C.KeyUsage>;
export type OrganizationUsage = Static<typeof C.OrganizationUsage>;
export type UsageQuery = Static<typeof C.UsageQuery>;
export type Alert = Static<typeof C.AlertView>;
export type AlertRules = Static<typeof C.AlertRulesSchema>;
export type AlertRulesChange = Static<typeof C.AlertRulesChange>;
export type WebhookEndpoint = Static<typeof C.WebhookEndpointView>;
export type WebhookEndpointWithSecret = Static<typeof C.WebhookEndpointWithSecret>;
export type CreateWebhookEndpoint = Static<typeof C.CreateWebhookEndpointBody>;
export type WebhookDelivery = Static<typeof C.WebhookDeliveryView>;
export type SessionEnvelope = Static<typeof C.SessionEnvelope>;
export type TokenPair = Static<typeof C.TokenPair>;
export type ExternalAuthorize = Static<typeof C.ExternalAuthorizeBody>;
export type ExternalAuthorizeResult = Static<typeof C.ExternalAuthorizeResult>;

export interface PageInfo {
  startCursor: string | null;
  endCursor: string | null;
  hasNextPage: boolean;
}
export interface Page<T> {
  data: T[];
  pageInfo: PageInfo;
}
export interface PageQuery {
  first?: number;
  after?: string;
}
export interface Deleted<K extends string> {
  id: string;
  object: K;
  deleted: true;
}
