/** The one OAuth client the oidc-provider peer knows, and the bench authenticates as. */
export const OIDC_CLIENT = { id: "bench", secret: "bench-client-secret-bench-client-secret" };
