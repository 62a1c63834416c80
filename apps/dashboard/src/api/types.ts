import type {
  AlertRulesSchema,
  AlertView,
  ApiKeyView,
  ApiKeyWithSecret,
  CreateApiKeyBody,
  CreateWebhookEndpointBody,
  DashboardMe,
  DashboardSessionView,
  ExperienceView,
  InvitationPreview,
  InvitationView,
  InvitationWithCode,
  KeyUsage,
  MemberRole,
  MemberView,
  OrganizationUsage,
  OrganizationView,
  QueueLive,
  QueueView,
  WebhookDeliveryView,
  WebhookEndpointView,
} from "@fanfare/contract";
import type { Static } from "typebox";

// Types only: the schemas themselves stay out of the bundle.
export type { MemberRole };
export type Mode = "live" | "test";
export type Me = Static<typeof DashboardMe>;
export type Member = Static<typeof MemberView>;
export type Invitation = Static<typeof InvitationView>;
export type CreatedInvitation = Static<typeof InvitationWithCode>;
export type InvitationOffer = Static<typeof InvitationPreview>;
export type DashboardSession = Static<typeof DashboardSessionView>;
export type ApiKey = Static<typeof ApiKeyView>;
export type ApiKeySecret = Static<typeof ApiKeyWithSecret>;
export type CreateKeyBody = Static<typeof CreateApiKeyBody>;
export type KeyUsageReport = Static<typeof KeyUsage>;
export type OrganizationUsageReport = Static<typeof OrganizationUsage>;
export type UsagePoint = OrganizationUsageReport["series"][number];
export type Alert = Static<typeof AlertView>;
export type AlertRules = Static<typeof AlertRulesSchema>;
export type WebhookEndpoint = Static<typeof WebhookEndpointView>;
export type CreateWebhookBody = Static<typeof CreateWebhookEndpointBody>;
export type WebhookDelivery = Static<typeof WebhookDeliveryView>;
export type Organization = Static<typeof OrganizationView>;

export interface Page<T> {
  data: T[];
  pageInfo: { startCursor: string | null; endCursor: string | null; hasNextPage: boolean };
}
export type Experience = Static<typeof ExperienceView>;
export type Queue = Static<typeof QueueView>;
export type QueueLiveView = Static<typeof QueueLive>;
