import { routes } from "@fanfare/sdk";
import { api } from "../../api/client";
import { formatDuration, formatNumber } from "../../components/format";
import { LoadState } from "../../components/load-state";
import { useResource } from "../../components/use-resource";
import { useSession } from "../../session/session-context";
import { AllowedOrigins } from "./allowed-origins";
import { planLimit } from "./plan-limit";
import { SessionsSection } from "./sessions-section";

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

export function SettingsPage() {
  const { canManage } = useSession();
  const organization = useResource(() => api.call(routes.getOrganization, {}));

  const saveOrigins = async (allowedOrigins: string[]) => {
    await api.call(routes.updateOrganization, { body: { allowedOrigins } });
    organization.reload();
  };

  return (
    <>
      <div className="page-header">
        <h1>Settings</h1>
      </div>
      <LoadState resource={organization} what="settings">
        {(org) => {
          const limit = planLimit(org);
          return (
            <div className="stack-large">
              <section className="panel" aria-labelledby="plan-title">
                <h2 id="plan-title">Plan</h2>
                <dl className="definition-list">
                  <div>
                    <dt>Plan</dt>
                    <dd>{capitalized(org.plan)}</dd>
                  </div>
                  <div>
                    <dt>Rate limit</dt>
                    <dd>{limit === null ? "—" : `${formatNumber(limit)} requests per minute per key`}</dd>
                  </div>
                </dl>
              </section>

              <section className="panel" aria-labelledby="tokens-title">
                <h2 id="tokens-title">Token lifetimes</h2>
                <dl className="definition-list">
                  <div>
                    <dt>Access token</dt>
                    <dd>{formatDuration(org.accessTokenTtlSeconds)}</dd>
                  </div>
                  <div>
                    <dt>Session lifetime</dt>
                    <dd>{formatDuration(org.refreshTokenTtlSeconds)}</dd>
                  </div>
                </dl>
              </section>

              <section className="panel" aria-labelledby="origins-title">
                <h2 id="origins-title">Allowed origins</h2>
                <p className="hint">Websites that may use your publishable keys. Leave empty to allow any.</p>
                <AllowedOrigins origins={org.allowedOrigins} editable={canManage} onSave={saveOrigins} />
              </section>

              <section className="panel" aria-labelledby="otp-title">
                <h2 id="otp-title">One-time code delivery</h2>
                <dl className="definition-list">
                  <div>
                    <dt>Delivery</dt>
                    <dd>{org.otpWebhookUrl ? <span className="mono">{org.otpWebhookUrl}</span> : "Server default"}</dd>
                  </div>
                  <div>
                    <dt>SMS allowed countries</dt>
                    <dd>{org.smsAllowedCountries.length > 0 ? org.smsAllowedCountries.join(", ") : "None"}</dd>
                  </div>
                </dl>
              </section>
            </div>
          );
        }}
      </LoadState>
      <SessionsSection />
    </>
  );
}
