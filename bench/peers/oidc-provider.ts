/**
 * Peer for `npm run bench -- --peers`: panva's oidc-provider, the certified OpenID Connect server,
 * issuing client-credentials access tokens as EdDSA-signed JWTs (RFC 9068), kept in memory: the
 * nearest thing an OAuth server has to our guest session, which writes three rows as well.
 */
import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";
import { OIDC_CLIENT } from "./oidc-client.js";

const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
const provider = new Provider("http://127.0.0.1", {
  clients: [
    {
      client_id: OIDC_CLIENT.id,
      client_secret: OIDC_CLIENT.secret,
      grant_types: ["client_credentials"],
      response_types: [],
      redirect_uris: [],
      id_token_signed_response_alg: "EdDSA",
    },
  ],
  jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: "EdDSA", use: "sig", kid: "bench" }] },
  features: {
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => "https://api.example.com",
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: "enter",
        audience: "https://api.example.com",
        accessTokenFormat: "jwt",
        jwt: { sign: { alg: "EdDSA" } },
      }),
    },
  },
});
const server = provider.listen(0, "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  process.stdout.write(`peer http://127.0.0.1:${port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
