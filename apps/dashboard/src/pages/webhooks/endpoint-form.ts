import type { WebhookEvent } from "@fanfare/contract";
import type { CreateWebhookBody } from "../../api/types";

export interface EndpointFormValues {
  url: string;
  events: WebhookEvent[];
  description: string;
}

export type EndpointFormErrors = Partial<Record<"url" | "events" | "description", string>>;

export function validateEndpointForm(values: EndpointFormValues): EndpointFormErrors {
  const errors: EndpointFormErrors = {};
  const url = values.url.trim();
  if (url === "") errors.url = "Enter the URL Fanfare should send events to.";
  else if (!/^https?:\/\/[^\s/]+/i.test(url)) errors.url = "Enter a full URL starting with https://.";
  if (values.events.length === 0) errors.events = "Choose at least one event.";
  if (values.description.length > 200) errors.description = "Use at most 200 characters.";
  return errors;
}

export function endpointFormBody(values: EndpointFormValues): CreateWebhookBody {
  const description = values.description.trim();
  return { url: values.url.trim(), events: values.events, ...(description ? { description } : {}) };
}
