import type { Deps } from "../../deps.js";
import { AppError, errors } from "../../http/errors.js";
import { isoAt } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { open } from "../../lib/sealed-box.js";
import type { TenantScope } from "../../lib/tenant.js";
import type { Consumer } from "../consumers/index.js";
import { moveEntries } from "../queue-entries/index.js";
import { revokeConsumerSessions, type SessionEnvelope, startSession } from "../sessions/service.js";
import type { AccessClaims } from "../tokens/access-tokens.js";
import { checkCode, codeErrors, issueCode } from "./codes.js";
import { webhookDelivery } from "./delivery.js";
import type { Identifier } from "./identifiers.js";
import { type CodeKey, findConsumerByIdentifier, insertOutboxMessage, markGuestUpgraded } from "./store.js";

export const otpErrors = {
  ...codeErrors,
  alreadyLinked: () =>
    new AppError("already_linked", {
      message: "This email or phone already belongs to another account: sign in to that account instead.",
    }),
  smsCountryNotAllowed: () =>
    new AppError("sms_country_not_allowed", {
      message: "Verification codes cannot be sent by SMS to this country.",
    }),
};

const consumerCode = (tenant: TenantScope, identifier: string): CodeKey => ({
  ...tenant,
  purpose: "consumer",
  identifier,
});

/**
 * Sends a fresh code (killing the previous one). The answer is the same whether or not the
 * identifier belongs to anyone, and delivery happens after the response.
 */
export async function requestCode(deps: Deps, tenant: TenantScope, identifier: Identifier): Promise<void> {
  const organization = await deps.organizations.get(tenant.organizationId);
  if (!organization) throw errors.resourceNotFound("Organization");
  if (identifier.channel === "sms" && !organization.smsAllowedCountries.includes(identifier.country ?? "")) {
    throw otpErrors.smsCountryNotAllowed();
  }
  const code = await issueCode(deps, consumerCode(tenant, identifier.value), identifier.channel);
  const now = deps.clock.now();
  const message = { to: identifier.value, channel: identifier.channel, code, organizationName: organization.name };
  if (tenant.mode === "test") {
    // Test mode never reaches a person: the code waits in the outbox for the test secret key.
    await insertOutboxMessage(deps.db, tenant, {
      id: newId("outboxMessage", now),
      recipient: message.to,
      channel: message.channel,
      code,
      now: isoAt(now),
    });
    return;
  }
  // The organization's own gateway when it has one, else the server-wide provider.
  const own = organization.otpWebhookUrl
    ? webhookDelivery(
        organization.otpWebhookUrl,
        deps.outbound,
        organization.otpWebhookSecretSealed
          ? open(deps.secrets["webhook-secret-encryption"], organization.otpWebhookSecretSealed).toString("utf8")
          : undefined,
      )
    : undefined;
  deps.codes.send({ delivery: own ?? deps.otpDelivery, message, tenant, serverProvider: !own });
}

/**
 * Verifies a code and signs the consumer in, creating them on first verification. With a
 * guest's token, the guest becomes that consumer — unless the identifier already belongs to
 * someone else (409 already_linked).
 */
export async function verifyCode(
  deps: Deps,
  tenant: TenantScope,
  identifier: Identifier,
  code: string,
  guest: AccessClaims | null,
): Promise<SessionEnvelope> {
  await checkCode(deps, consumerCode(tenant, identifier.value), code);
  const now = deps.clock.now();
  const owner = await findConsumerByIdentifier(deps.db, tenant, identifier.channel, identifier.value);
  if (owner && guest) throw otpErrors.alreadyLinked();
  const consumer: Consumer = owner
    ? { id: owner.id, kind: "consumer", email: owner.email, phone: owner.phone, createdAt: isoAt(now) }
    : {
        id: newId("consumer", now),
        kind: "consumer",
        email: identifier.channel === "email" ? identifier.value : null,
        phone: identifier.channel === "sms" ? identifier.value : null,
        createdAt: isoAt(now),
      };
  const { envelope } = await startSession(deps, tenant, consumer, { createConsumer: !owner });
  if (guest) {
    await markGuestUpgraded(deps.db, tenant, guest.consumerId, consumer.id, isoAt(now));
    // The guest keeps every place they held: the entries (and their arrival numbers) move over.
    await moveEntries(deps.db, tenant, guest.consumerId, consumer.id, isoAt(now));
    await revokeConsumerSessions(deps, tenant, { consumerId: guest.consumerId }, "upgraded");
    return { ...envelope, session: { ...envelope.session, guestId: guest.consumerId } };
  }
  return envelope;
}
