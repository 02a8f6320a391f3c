// A third-party authorization server for the custom-provider tests: panva's certified
// oidc-provider with its development login/consent pages, on 127.0.0.1 only.
// Usage: node server.mjs <port>   (prints "ready <issuer>" when listening)
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'qa-client',
      client_secret: 'qa-client-secret-0123456789',
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true }, revocation: { enabled: true } },
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, name: `QA ${sub}`, email: `${sub}@example.test` }) }),
  rotateRefreshToken: true,
  ttl: { AccessToken: 3600, RefreshToken: 86400, IdToken: 3600, AuthorizationCode: 60 },
  // Consent for offline_access must be asked; the development pages do that.
  issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
});
provider.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
