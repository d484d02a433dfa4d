// A real OpenID Connect provider for the tests (node-oidc-provider), never for anything else.
//
//   node tests/oidc_provider/provider.mjs --port 0
//
// Environment: OIDC_TEST_CLIENT_ID and OIDC_TEST_CLIENT_SECRET (the panel's client, which sends its secret in the
// token request's body), and OIDC_TEST_ACCOUNTS, a JSON file read again at each request, so that a test can change
// someone's groups between two sign-ins:
//
//   {"alice": {"password": "…", "groups": ["ops"], "email": "alice@example.com", "name": "Alice"}}
//
// With --port 0 the system picks a free port. Once listening it prints "ready <issuer>" on stdout; it exits on SIGTERM,
// SIGINT or the end of its standard input.

import { generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: options } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const clientId = process.env.OIDC_TEST_CLIENT_ID;
const clientSecret = process.env.OIDC_TEST_CLIENT_SECRET;
const accountsFile = process.env.OIDC_TEST_ACCOUNTS;
if (!clientId || !clientSecret || !accountsFile) {
  console.error('OIDC_TEST_CLIENT_ID, OIDC_TEST_CLIENT_SECRET and OIDC_TEST_ACCOUNTS are needed');
  process.exit(2);
}

function accounts() {
  return JSON.parse(readFileSync(accountsFile, 'utf8'));
}

function account(id) {
  const known = accounts();
  return Object.hasOwn(known, id) ? known[id] : undefined;
}

function sameText(a, b) {
  const left = Buffer.from(String(a));
  const right = Buffer.from(String(b));
  return left.length === right.length && timingSafeEqual(left, right);
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body><main><p>Test identity provider</p><h1>${escape(title)}</h1>${body}</main></body>
</html>`;
}

function loginPage(uid, { username = '', error = '' } = {}) {
  return page('Sign in to the test identity provider', `
${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login" autocomplete="off">
  <p><label for="username">Account name</label> <input id="username" name="username" required value="${escape(username)}"></p>
  <p><label for="password">Secret word</label> <input id="password" name="password" type="password" required></p>
  <p><button type="submit">Continue to the panel</button></p>
</form>
<p><a href="/interaction/${escape(uid)}/abort">Cancel</a></p>`);
}

function consentPage(uid, clientName, details) {
  const scopes = (details.missingOIDCScope || []).filter((scope) => scope !== 'openid');
  return page('Share your details?', `
<p>${escape(clientName)} asks for: ${scopes.map(escape).join(', ') || 'your identity'}.</p>
<form method="post" action="/interaction/${escape(uid)}/consent">
  <p><button type="submit">Allow</button></p>
</form>
<p><a href="/interaction/${escape(uid)}/abort">Cancel</a></p>`);
}

async function formBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// The provider's own sign-in and consent steps (its "interactions"), in place of its development-only ones, which
// fetch fonts from the internet and label no field.
async function interactions(ctx, next) {
  const match = /^\/interaction\/([\w-]+)(?:\/(login|consent|abort))?$/.exec(ctx.path);
  if (!match) {
    await next();
    return;
  }
  const [, uid, step] = match;
  const provider = ctx.app;
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.uid !== uid) ctx.throw(400, 'This sign-in is not the one in progress.');
  const { prompt, params, session } = details;
  ctx.set('Cache-Control', 'no-store');
  const finish = async (result, merge) => {
    ctx.status = 303;
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge }));
  };

  if (step === undefined && ctx.method === 'GET') {
    ctx.type = 'html';
    if (prompt.name === 'login') {
      ctx.body = loginPage(uid, { username: params.login_hint || '' });
    } else {
      const client = await provider.Client.find(params.client_id);
      ctx.body = consentPage(uid, client.clientName || client.clientId, prompt.details);
    }
  } else if (step === 'abort' && ctx.method === 'GET') {
    await finish({ error: 'access_denied', error_description: 'The person cancelled.' }, false);
  } else if (step === 'login' && ctx.method === 'POST' && prompt.name === 'login') {
    const form = await formBody(ctx.req);
    const username = form.get('username') || '';
    const found = account(username);
    if (!found || !sameText(found.password, form.get('password') || '')) {
      ctx.status = 200;
      ctx.type = 'html';
      ctx.body = loginPage(uid, { username, error: 'Wrong account name or secret word.' });
      return;
    }
    await finish({ login: { accountId: username } }, false);
  } else if (step === 'consent' && ctx.method === 'POST' && prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    await finish({ consent: { grantId: await grant.save() } }, true);
  } else {
    ctx.throw(405, 'Not at this step.');
  }
}

const server = createServer();
server.listen(Number(options.port), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        client_name: 'Handlers panel (tests)',
        redirect_uris: ['http://testserver/accounts/oidc/sso/login/callback/'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'tests', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // Groups come with the profile, as several providers send them.
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username', 'groups'],
      email: ['email', 'email_verified'],
    },
    async findAccount(ctx, sub) {
      if (!account(sub)) return undefined;
      return {
        accountId: sub,
        async claims() {
          // Read again, so that the groups are those of the moment the token or the user info is asked for.
          const { groups, email, name } = account(sub) || {};
          return {
            sub,
            preferred_username: sub,
            ...(email === undefined ? {} : { email, email_verified: true }),
            ...(name === undefined ? {} : { name }),
            ...(groups === undefined ? {} : { groups }),
          };
        },
      };
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      const lines = Object.entries(out).map(([key, value]) => `<p>${escape(key)}: ${escape(value)}</p>`);
      ctx.body = page('The test identity provider refused this', lines.join(''));
    },
  });
  // Tests run the panel at http://testserver (Django's test client) and at http://localhost:<any port> (the live
  // server of the browser tests), so any address of those two is a redirect_uri of the client.
  provider.Client.prototype.redirectUriAllowed = (value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' && (url.host === 'testserver' || url.hostname === 'localhost');
    } catch {
      return false;
    }
  };
  provider.use(interactions);
  server.on('request', provider.callback());
  process.stdout.write(`ready ${issuer}\n`);
});

function stop() {
  server.close();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Also when its standard input closes: the test process that started it is gone, however it ended.
process.stdin.on('end', stop);
process.stdin.resume();
