// A real OpenID Connect provider for the console's sign-in tests (the oidc-provider package),
// on the port and with the accounts the test gives it:
//   node oidc_provider.mjs <port> <client_id> <client_secret> <redirect_uri> <accounts-json>
// Every account signs in with any password on the provider's own development login page; its
// claims (role, org) go into the ID token. PKCE is required.
import Provider from "oidc-provider";

const [port, clientId, clientSecret, redirectUri, accountsJson] = process.argv.slice(2);
const accounts = JSON.parse(accountsJson);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ["authorization_code"],
    response_types: ["code"],
  }],
  pkce: { required: () => true },
  claims: { openid: ["sub", "role", "org"] },
  conformIdTokenClaims: false,
  cookies: { keys: ["leerroute-console-tests-cookie-key"] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return { sub: id, ...(accounts[id] || {}) }; } };
  },
  // No consent page: the test's client is granted openid and the role claims at once.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid");
    grant.addOIDCClaims(["role", "org"]);
    await grant.save();
    return grant;
  },
});

provider.listen(Number(port), "127.0.0.1", () => {
  console.log(`listening ${issuer}`);
});
