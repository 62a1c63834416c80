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

  const saveOrigins = async (body: { allowedOrigins: string[] } | { testAllowedOrigins: string[] | null }) => {
    await api.call(routes.updateOrganization, { body });
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
                <p className="hint">
                  Websites that may call the API from a browser, with a publishable key or a shopper's token. Each mode
                  has its own list; an empty list allows any. <span className="mono">*.example.com</span> covers
                  subdomains, <span className="mono">:*</span> any port.
                </p>
                <h3>Live mode</h3>
                <AllowedOrigins
                  key={`live:${org.allowedOrigins.join(" ")}`}
                  mode="live"
                  origins={org.allowedOrigins}
                  editable={canManage}
                  onSave={(allowedOrigins) => saveOrigins({ allowedOrigins })}
                />
                <h3>Test mode</h3>
                <AllowedOrigins
                  key={`test:${org.testAllowedOrigins?.join(" ") ?? "default"}`}
                  mode="test"
                  origins={org.testAllowedOrigins ?? routes.TEST_MODE_DEFAULT_ORIGINS}
                  isDefault={org.testAllowedOrigins === null}
                  editable={canManage}
                  onSave={(testAllowedOrigins) => saveOrigins({ testAllowedOrigins })}
                  onRestoreDefault={() => saveOrigins({ testAllowedOrigins: null })}
                />
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
