import { execFile } from 'node:child_process';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Command, commands, pathTemplates } from '../../cli/commands.ts';
import { parseEnv } from '../../cli/init.ts';
import { run } from '../../cli/run.ts';
import { authOf, routes } from '../../lambdas/routes.ts';
import type { LocalKeyway } from '../../local/app.ts';
import { ADMIN_KEY, startTestKeyway } from '../support/keyway.ts';
import { basicAuth, signedInUser } from '../support/oidc.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The CLI in-process, as a shell would run it: argv and environment in, exit code and both streams out. */
async function cli(argv: string[], env: Record<string, string | undefined>, cwd?: string): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(
    argv,
    env,
    {
      stdout: (s) => {
        stdout += s;
      },
      stderr: (s) => {
        stderr += s;
      },
    },
    cwd,
  );
  return { code, stdout, stderr };
}

const json = (text: string) => JSON.parse(text) as Record<string, unknown>;
const itemsOf = (text: string) => json(text).items as Record<string, unknown>[];

/** `METHOD /path/{template}` of every request the command table can send. */
const operationsOf = (command: Command) => pathTemplates(command).map((path) => `${command.method} ${path}`);
const cliOperations = new Set(commands.flatMap(operationsOf));
const adminOperations = routes
  .filter((route) => route.path.startsWith('/admin/'))
  .flatMap((route) => route.methods.filter((m) => m !== 'OPTIONS').map((method) => `${method} ${route.path}`));

describe('keyway CLI against the real admin API', () => {
  let keyway: LocalKeyway;
  /** As the operator, unless `env` says otherwise. */
  const kw = (argv: string[], env: Record<string, string | undefined> = { KEYWAY_ADMIN_KEY: ADMIN_KEY }) =>
    cli(argv, { KEYWAY_BASE_URL: keyway.url, ...env });

  beforeAll(async () => {
    keyway = await startTestKeyway();
  });
  afterAll(async () => keyway?.stop());

  it('tenants create, get, list --all and update --settings each print the JSON the server returned', async () => {
    const created = await kw(['tenants', 'create', '--name', 'CLI Flow', '--plan', 'free', '--id', 'cli-flow']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toBe(`${JSON.stringify(JSON.parse(created.stdout), null, 2)}\n`);
    expect(json(created.stdout)).toMatchObject({ id: 'cli-flow', name: 'CLI Flow', plan: 'free' });

    const got = await kw(['tenants', 'get', 'cli-flow']);
    expect(got.code).toBe(0);
    expect(json(got.stdout)).toEqual(json(created.stdout));

    expect((await kw(['tenants', 'create', '--name', 'CLI Flow 2', '--plan', 'pro', '--id', 'cli-flow-2'])).code).toBe(
      0,
    );
    const onePage = await kw(['tenants', 'list', '--limit', '1']);
    expect(itemsOf(onePage.stdout)).toHaveLength(1);
    expect(json(onePage.stdout).next_cursor).toEqual(expect.any(String));
    const all = await kw(['tenants', 'list', '--all', '--limit', '1']);
    expect(all.code).toBe(0);
    expect(Object.keys(json(all.stdout))).toEqual(['items']);
    const everything = itemsOf((await kw(['tenants', 'list', '--limit', '100'])).stdout);
    expect(itemsOf(all.stdout)).toEqual(everything);
    expect(everything.map((t) => t.id)).toEqual(expect.arrayContaining(['cli-flow', 'cli-flow-2']));

    const updated = await kw(['tenants', 'update', 'cli-flow', '--settings', '{"signUpOpen":false}']);
    expect(updated.code).toBe(0);
    expect(json(updated.stdout)).toMatchObject({ id: 'cli-flow', settings: { signUpOpen: false } });
    expect(json((await kw(['tenants', 'get', 'cli-flow'])).stdout)).toEqual(json(updated.stdout));
  });

  it('an API key created by the CLI authenticates it (--key or KEYWAY_API_KEY) until revoked, then 401 problem details', async () => {
    await kw(['tenants', 'create', '--name', 'CLI Keys', '--plan', 'free', '--id', 'cli-keys']);
    const created = await kw(['api-keys', 'create', 'cli-keys', '--name', 'ci', '--scopes', 'read,write']);
    expect(created.code).toBe(0);
    const { id: keyId, secret, scopes } = json(created.stdout);
    expect(secret).toMatch(/^kw_sk_/);
    expect(scopes).toEqual(['read', 'write']);

    const viaFlag = await kw(['tenants', 'get', 'cli-keys', '--key', String(secret)], {});
    expect(viaFlag.code).toBe(0);
    expect(json(viaFlag.stdout).id).toBe('cli-keys');
    // KEYWAY_API_KEY wins over KEYWAY_ADMIN_KEY: a tenant key cannot list tenants, the operator could.
    const viaEnv = { KEYWAY_API_KEY: String(secret), KEYWAY_ADMIN_KEY: ADMIN_KEY };
    expect((await kw(['tenants', 'get', 'cli-keys'], viaEnv)).code).toBe(0);
    expect(json((await kw(['tenants', 'list'], viaEnv)).stderr)).toMatchObject({ status: 403 });

    expect((await kw(['api-keys', 'revoke', 'cli-keys', String(keyId)])).code).toBe(0);
    const revoked = await kw(['tenants', 'get', 'cli-keys', '--key', String(secret)], {});
    expect(revoked).toMatchObject({ code: 1, stdout: '' });
    expect(json(revoked.stderr)).toMatchObject({ status: 401, type: expect.any(String), traceId: expect.any(String) });
  });

  it('clients create with two --redirect-uri prints the client id and its one-time secret; clients list shows it', async () => {
    await kw(['tenants', 'create', '--name', 'CLI Clients', '--plan', 'free', '--id', 'cli-clients']);
    const uris = ['https://app.example/callback', 'https://app.example/other'];
    const created = await kw([
      'clients',
      'create',
      'cli-clients',
      '--redirect-uri',
      uris[0] ?? '',
      '--redirect-uri',
      uris[1] ?? '',
      '--name',
      'Web app',
    ]);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const client = json(created.stdout);
    expect(client).toMatchObject({ redirect_uris: uris, client_name: 'Web app' });
    expect(client.client_id).toEqual(expect.any(String));
    expect(client.client_secret).toEqual(expect.any(String));

    const listed = await kw(['clients', 'list', 'cli-clients']);
    expect(itemsOf(listed.stdout).map((c) => c.client_id)).toContain(client.client_id);
  });

  it('audit-log prints the tenant actions newest first; audit-log --platform shows a tenant deletion', async () => {
    await kw(['tenants', 'create', '--name', 'CLI Audit', '--plan', 'free', '--id', 'cli-audit']);
    await kw(['api-keys', 'create', 'cli-audit', '--name', 'ci']);
    await kw(['clients', 'create', 'cli-audit', '--redirect-uri', 'https://app.example/cb']);
    const log = await kw(['audit-log', 'cli-audit']);
    expect(log.code).toBe(0);
    expect(itemsOf(log.stdout).map((e) => e.action)).toEqual(['client.created', 'api_key.created', 'tenant.created']);
    expect(itemsOf((await kw(['audit-log', 'cli-audit', '--all', '--limit', '1'])).stdout)).toEqual(
      itemsOf(log.stdout),
    );

    expect(json((await kw(['tenants', 'delete', 'cli-audit'])).stdout)).toMatchObject({ deleted: true });
    const platform = itemsOf((await kw(['audit-log', '--platform'])).stdout);
    expect(platform[0]).toMatchObject({ action: 'tenant.deleted', target: { id: 'cli-audit' } });
  });

  it('roles and users: create, find by email, suspend, sign out, and a role in use cannot be deleted (409) until unassigned', async () => {
    await kw(['tenants', 'create', '--name', 'CLI Users', '--plan', 'free', '--id', 'cli-users']);
    const role = await kw(['roles', 'create', 'cli-users', 'support', '--description', 'Help desk']);
    expect(role).toMatchObject({ code: 0, stderr: '' });
    expect(json(role.stdout)).toMatchObject({ name: 'support', description: 'Help desk', built_in: false, users: 0 });
    expect((await kw(['roles', 'create', 'cli-users', 'billing'])).code).toBe(0);

    const created = await kw([
      'users',
      'create',
      'cli-users',
      '--email',
      'Ada+cli@Example.com',
      '--given-name',
      'Ada',
      '--roles',
      'support,billing',
      '--email-verified',
    ]);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    // The creation says whether the invitation email went out; the user's own view has no such field.
    const { invitation, ...user } = json(created.stdout);
    expect(invitation).toEqual({ expires_at: expect.any(String), sent: true });
    expect(user).toMatchObject({
      email: 'ada+cli@example.com',
      email_verified: true,
      given_name: 'Ada',
      roles: ['support', 'billing'],
      suspended: false,
      sessions_revoked_at: null,
    });
    const userId = String(user.id);

    const roles = itemsOf((await kw(['roles', 'list', 'cli-users'])).stdout);
    expect(roles.map((r) => [r.name, r.users])).toEqual([
      ['owner', null],
      ['admin', null],
      ['user', null],
      ['billing', 1],
      ['support', 1],
    ]);

    // `+` and `@` reach the server as the address, not as a space and a separator.
    const found = await kw(['users', 'list', 'cli-users', '--email', 'ada+cli@example.com']);
    expect(itemsOf(found.stdout)).toEqual([user]);
    expect(itemsOf((await kw(['users', 'list', 'cli-users', '--email', 'nobody@example.com'])).stdout)).toEqual([]);
    expect(json((await kw(['users', 'get', 'cli-users', userId])).stdout)).toEqual(user);

    const suspended = await kw(['users', 'suspend', 'cli-users', userId]);
    expect(suspended.code).toBe(0);
    expect(suspended.stdout).toContain('"suspended": true');
    expect(json(suspended.stdout).sessions_revoked_at).toEqual(expect.any(String));
    const unsuspended = await kw(['users', 'unsuspend', 'cli-users', userId]);
    expect(json(unsuspended.stdout)).toMatchObject({ id: userId, suspended: false });

    expect(json((await kw(['users', 'sessions', 'cli-users', userId])).stdout)).toEqual({
      items: [],
      next_cursor: null,
    });
    const signOut = await kw(['users', 'sign-out', 'cli-users', userId]);
    expect(json(signOut.stdout)).toEqual({ id: userId, sessions_revoked_at: expect.any(String) });
    expect(itemsOf((await kw(['users', 'passkeys', 'cli-users', userId, '--all'])).stdout)).toEqual([]);

    const inUse = await kw(['roles', 'delete', 'cli-users', 'support']);
    expect(inUse).toMatchObject({ code: 1, stdout: '' });
    expect(json(inUse.stderr)).toMatchObject({ status: 409, type: expect.any(String), detail: expect.any(String) });

    const updated = await kw(['users', 'update', 'cli-users', userId, '--roles', 'user', '--family-name', 'Lovelace']);
    expect(json(updated.stdout)).toMatchObject({ roles: ['user'], family_name: 'Lovelace', email_verified: true });
    expect(json((await kw(['roles', 'delete', 'cli-users', 'support'])).stdout)).toEqual({
      name: 'support',
      deleted: true,
    });
    expect(itemsOf((await kw(['roles', 'list', 'cli-users'])).stdout).map((r) => r.name)).toEqual([
      'owner',
      'admin',
      'user',
      'billing',
    ]);

    // A changed email is unverified unless --email-verified says the administrator vouches for it.
    const moved = await kw(['users', 'update', 'cli-users', userId, '--email', 'ada@example.com']);
    expect(json(moved.stdout)).toMatchObject({ email: 'ada@example.com', email_verified: false });

    expect(json((await kw(['users', 'delete', 'cli-users', userId])).stdout)).toEqual({ id: userId, deleted: true });
    const gone = await kw(['users', 'get', 'cli-users', userId]);
    expect(gone).toMatchObject({ code: 1, stdout: '' });
    expect(json(gone.stderr)).toMatchObject({ status: 404 });
  });

  it('users create --no-invite sends no invitation; users invite sends one, and 404 for an unknown user', async () => {
    await kw(['tenants', 'create', '--name', 'CLI Invites', '--plan', 'free', '--id', 'cli-invites']);
    const created = await kw(['users', 'create', 'cli-invites', '--email', 'later@example.com', '--no-invite']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(json(created.stdout).invitation).toBeNull();
    expect(keyway.mailbox.list('later@example.com')).toEqual([]);
    const userId = String(json(created.stdout).id);

    const invited = await kw(['users', 'invite', 'cli-invites', userId]);
    expect(invited).toMatchObject({ code: 0, stderr: '' });
    expect(json(invited.stdout)).toEqual({ user_id: userId, expires_at: expect.any(String), sent: true });
    expect(keyway.mailbox.list('later@example.com').map((m) => m.purpose)).toEqual(['invitation']);
    const unknown = await kw(['users', 'invite', 'cli-invites', '00000000-0000-4000-8000-000000000000']);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(json(unknown.stderr)).toMatchObject({ status: 404 });
  });

  it("users sessions and passkeys list a signed-in user's; remove-passkey and sign-out end them", async () => {
    await kw(['tenants', 'create', '--name', 'CLI Sessions', '--plan', 'free', '--id', 'cli-sessions']);
    const { userId } = await signedInUser(keyway, 'cli-sessions');
    const sessions = itemsOf((await kw(['users', 'sessions', 'cli-sessions', userId])).stdout);
    expect(sessions).toEqual([expect.objectContaining({ amr: ['hwk', 'user'], expires_at: expect.any(String) })]);
    const passkeys = itemsOf((await kw(['users', 'passkeys', 'cli-sessions', userId])).stdout);
    expect(passkeys).toEqual([expect.objectContaining({ id: expect.any(String), device_type: 'multiDevice' })]);

    const credentialId = String(passkeys[0]?.id);
    const removed = await kw(['users', 'remove-passkey', 'cli-sessions', userId, credentialId]);
    expect(json(removed.stdout)).toEqual({ id: credentialId, deleted: true });
    expect(itemsOf((await kw(['users', 'passkeys', 'cli-sessions', userId])).stdout)).toEqual([]);

    expect((await kw(['users', 'sign-out', 'cli-sessions', userId])).code).toBe(0);
    expect(itemsOf((await kw(['users', 'sessions', 'cli-sessions', userId])).stdout)).toEqual([]);
  });

  it('clients get, update --name, rotate-secret (the new secret authenticates; --overlap-seconds 0 ends the old) and delete', async () => {
    await kw(['tenants', 'create', '--name', 'CLI Client Ops', '--plan', 'free', '--id', 'cli-client-ops']);
    const created = json(
      (await kw(['clients', 'create', 'cli-client-ops', '--redirect-uri', 'https://app.example/cb', '--name', 'Old']))
        .stdout,
    );
    const clientId = String(created.client_id);
    const { client_secret: firstSecret, client_secret_expires_at: _, ...metadata } = created;

    const got = await kw(['clients', 'get', 'cli-client-ops', clientId]);
    expect(got.code).toBe(0);
    expect(json(got.stdout)).toEqual(metadata);

    const updated = await kw([
      'clients',
      'update',
      'cli-client-ops',
      clientId,
      '--name',
      'New',
      '--redirect-uri',
      'https://app.example/cb',
      '--redirect-uri',
      'https://app.example/cb2',
    ]);
    expect(json(updated.stdout)).toEqual({
      ...metadata,
      client_name: 'New',
      redirect_uris: ['https://app.example/cb', 'https://app.example/cb2'],
    });
    expect(json((await kw(['clients', 'get', 'cli-client-ops', clientId])).stdout)).toEqual(json(updated.stdout));

    /** Introspection authenticates the client: 200 with the secret it holds, 401 otherwise. */
    const introspect = async (secret: unknown) =>
      (
        await fetch(`${keyway.url}/cli-client-ops/introspect`, {
          method: 'POST',
          headers: {
            Authorization: basicAuth({ client_id: clientId, client_secret: String(secret) }),
            'Content-Type': 'application/x-www-form-urlencoded',
          },
          body: 'token=not-a-token',
        })
      ).status;

    const before = Math.floor(Date.now() / 1000);
    const rotated = await kw(['clients', 'rotate-secret', 'cli-client-ops', clientId]);
    expect(rotated).toMatchObject({ code: 0, stderr: '' });
    const second = json(rotated.stdout);
    expect(second).toEqual({
      client_id: clientId,
      client_secret: expect.any(String),
      client_secret_expires_at: 0,
      previous_secret_expires_at: expect.any(Number),
    });
    expect(second.client_secret).not.toBe(firstSecret);
    // The default overlap (a day): the previous secret keeps working meanwhile.
    expect(Number(second.previous_secret_expires_at)).toBeGreaterThanOrEqual(before + 86_400);
    expect([await introspect(second.client_secret), await introspect(firstSecret)]).toEqual([200, 200]);

    const third = json(
      (await kw(['clients', 'rotate-secret', 'cli-client-ops', clientId, '--overlap-seconds', '0'])).stdout,
    );
    expect(third).toMatchObject({ client_id: clientId, previous_secret_expires_at: null });
    expect([await introspect(third.client_secret), await introspect(second.client_secret)]).toEqual([200, 401]);

    expect(json((await kw(['clients', 'delete', 'cli-client-ops', clientId])).stdout)).toEqual({
      client_id: clientId,
      deleted: true,
    });
    const gone = await kw(['clients', 'get', 'cli-client-ops', clientId]);
    expect(gone).toMatchObject({ code: 1, stdout: '' });
    expect(json(gone.stderr)).toMatchObject({ status: 404, traceId: expect.any(String) });
  });

  it('resources create, get, list and delete a resource server; a second create of the identifier exits 1 with the 409', async () => {
    await kw(['tenants', 'create', '--name', 'CLI Resources', '--plan', 'free', '--id', 'cli-resources']);
    const introspector = await kw([
      'clients',
      'create',
      'cli-resources',
      '--redirect-uri',
      'https://app.example/cb',
      '--resources',
      'https://api.example/orders,urn:example:ledger',
    ]);
    const client = json(introspector.stdout);
    expect(client.resources).toEqual(['https://api.example/orders', 'urn:example:ledger']);
    const argv = [
      'resources',
      'create',
      'cli-resources',
      '--identifier',
      'https://api.example/orders',
      '--name',
      'Orders',
      '--scopes',
      'orders:read,orders:write',
      '--access-token-lifetime',
      '300',
      '--client-id',
      String(client.client_id),
    ];
    const created = await kw(argv);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const resource = json(created.stdout);
    expect(resource).toMatchObject({
      id: expect.stringMatching(/^rs_/),
      identifier: 'https://api.example/orders',
      name: 'Orders',
      scopes: ['orders:read', 'orders:write'],
      access_token_lifetime: 300,
      client_id: client.client_id,
    });
    const id = String(resource.id);
    expect(json((await kw(['resources', 'get', 'cli-resources', id])).stdout)).toEqual(resource);
    expect(itemsOf((await kw(['resources', 'list', 'cli-resources', '--all'])).stdout)).toEqual([resource]);

    const again = await kw(argv);
    expect(again).toMatchObject({ code: 1, stdout: '' });
    expect(json(again.stderr)).toMatchObject({ status: 409 });

    expect(json((await kw(['resources', 'delete', 'cli-resources', id])).stdout)).toEqual({ id, deleted: true });
    const gone = await kw(['resources', 'get', 'cli-resources', id]);
    expect(gone).toMatchObject({ code: 1, stdout: '' });
    expect(json(gone.stderr)).toMatchObject({ status: 404 });

    // `--resources ''` sends [] (no resource at all); the metadata null goes back to any registered resource.
    const none = await kw(['clients', 'update', 'cli-resources', String(client.client_id), '--resources', '']);
    expect(json(none.stdout).resources).toEqual([]);
    const any = await kw([
      'clients',
      'update',
      'cli-resources',
      String(client.client_id),
      '--metadata',
      '{"resources":null}',
    ]);
    expect(json(any.stdout).resources).toBeNull();
  });

  it('openapi needs no key: it prints the OpenAPI 3.1 document, and every operation in it is a CLI command', async () => {
    const res = await kw(['openapi'], {});
    expect(res).toMatchObject({ code: 0, stderr: '' });
    const doc = json(res.stdout);
    expect(String(doc.openapi)).toMatch(/^3\.1\./);
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((k) => ['get', 'post', 'patch', 'delete', 'put'].includes(k))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations).toContain('GET /admin/openapi.json');
    expect(operations.filter((op) => !cliOperations.has(op))).toEqual([]);
  });

  it('an API error exits 1 with the problem details on stderr and nothing on stdout', async () => {
    const res = await kw(['tenants', 'create', '--name', 'X', '--plan', 'gold']);
    expect(res).toMatchObject({ code: 1, stdout: '' });
    expect(json(res.stderr)).toMatchObject({
      status: 400,
      type: expect.any(String),
      title: expect.any(String),
      detail: expect.any(String),
      traceId: expect.any(String),
    });
  });

  it('initial-access-tokens create (constraints as flags), list and revoke', async () => {
    await kw(['tenants', 'create', '--name', 'CLI IAT', '--plan', 'free', '--id', 'cli-iat']);
    const created = await kw([
      'initial-access-tokens',
      'create',
      'cli-iat',
      '--description',
      'partners',
      '--expires-in',
      '3600',
      '--max-uses',
      '2',
      '--allowed-redirect-hosts',
      'localhost,app.example.com',
      '--grant-types',
      'authorization_code,refresh_token',
      '--first-party',
    ]);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const token = json(created.stdout);
    expect(token).toMatchObject({
      description: 'partners',
      max_uses: 2,
      uses: 0,
      allowed_redirect_hosts: ['localhost', 'app.example.com'],
      grant_types: ['authorization_code', 'refresh_token'],
      first_party: true,
      token: expect.stringMatching(/^kw_iat_/),
    });
    const listed = itemsOf((await kw(['initial-access-tokens', 'list', 'cli-iat'])).stdout);
    expect(listed.map((t) => t.id)).toEqual([token.id]);
    expect(listed[0]).not.toHaveProperty('token');
    expect((await kw(['initial-access-tokens', 'revoke', 'cli-iat', String(token.id)])).code).toBe(0);
    const again = await kw(['initial-access-tokens', 'revoke', 'cli-iat', String(token.id)]);
    expect(again.code).toBe(1);
    expect(json(again.stderr)).toMatchObject({ status: 404 });
  });

  it('init registers a development client (RFC 7591) into .env.local; run twice, the second run creates nothing (RFC 7592 read)', async () => {
    await kw(['tenants', 'create', '--name', 'CLI Init', '--plan', 'free', '--id', 'cli-init']);
    const token = json((await kw(['initial-access-tokens', 'create', 'cli-init', '--max-uses', '5'])).stdout)
      .token as string;
    const dir = await mkdtemp(join(tmpdir(), 'keyway-init-'));
    const envFile = join(dir, '.env.local');
    // The app's own settings stay as they are.
    await writeFile(envFile, '# my app\nDATABASE_URL=postgres://localhost/app\n');
    const issuer = `${keyway.baseUrl}/cli-init`;
    const argv = ['init', '--issuer', issuer, '--origin', 'http://localhost:3000', '--name', 'My dev app'];
    const clients = async () => itemsOf((await kw(['clients', 'list', 'cli-init'])).stdout);

    const first = await cli(argv, { KEYWAY_REGISTRATION_TOKEN: token }, dir);
    expect(first, first.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/registered client/);
    const [client, ...others] = await clients();
    expect(others).toEqual([]);
    expect(client).toMatchObject({
      client_name: 'My dev app',
      redirect_uris: ['http://localhost:3000/callback'],
      token_endpoint_auth_method: 'none',
      first_party: false,
    });
    const written = await readFile(envFile, 'utf8');
    const lines = written.trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual(['# my app', 'DATABASE_URL=postgres://localhost/app']);
    const values = Object.fromEntries(lines.slice(2).map((l) => [l.split('=')[0], l.slice(l.indexOf('=') + 1)]));
    expect(values).toEqual({
      KEYWAY_ISSUER: issuer,
      KEYWAY_CLIENT_ID: client!.client_id,
      KEYWAY_REDIRECT_URI: 'http://localhost:3000/callback',
      KEYWAY_REGISTRATION_CLIENT_URI: `${issuer}/register/${client!.client_id}`,
      KEYWAY_REGISTRATION_ACCESS_TOKEN: expect.stringMatching(/^kw_rat_/),
    });
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);

    const second = await cli(argv, { KEYWAY_REGISTRATION_TOKEN: token }, dir);
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(second.stdout).toMatch(/already registered/);
    expect(await clients()).toHaveLength(1);
    expect(await readFile(envFile, 'utf8')).toBe(written);
    const uses = itemsOf((await kw(['initial-access-tokens', 'list', 'cli-init'])).stdout)[0]!.uses;
    expect(uses).toBe(1);

    // The client was deleted meanwhile: init says so and registers a confidential one in its place.
    await kw(['clients', 'delete', 'cli-init', String(client!.client_id)]);
    const third = await cli([...argv, '--confidential', '--registration-token', token], {}, dir);
    expect(third, third.stderr).toMatchObject({ code: 0 });
    expect(third.stdout).toMatch(/no longer registered; registering a new one/);
    const [replacement, ...rest] = await clients();
    expect(rest).toEqual([]);
    const now = Object.fromEntries(parseEnv(await readFile(envFile, 'utf8')));
    expect(now.KEYWAY_CLIENT_ID).toBe(replacement!.client_id);
    expect(now.KEYWAY_CLIENT_SECRET).toMatch(/^kws_/);
    expect(now.DATABASE_URL).toBe('postgres://localhost/app');
  });

  it('init with a bad registration token exits 1 with the OAuth error and writes no file', async () => {
    await kw(['tenants', 'create', '--name', 'CLI Init Bad', '--plan', 'free', '--id', 'cli-init-bad']);
    const dir = await mkdtemp(join(tmpdir(), 'keyway-init-'));
    const argv = ['init', '--issuer', `${keyway.baseUrl}/cli-init-bad`, '--origin', 'http://localhost:3000'];
    const refused = await cli([...argv, '--registration-token', 'kw_iat_bogus'], {}, dir);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(json(refused.stderr)).toMatchObject({ status: 401, error: 'invalid_token' });
    await expect(stat(join(dir, '.env.local'))).rejects.toThrow(/ENOENT/);
    const usage = await cli(['init', '--issuer', `${keyway.baseUrl}/cli-init-bad`], {}, dir);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/missing --origin/);
  });

  it('a POST retried with the same --idempotency-key prints the same response and creates nothing new', async () => {
    // No --id: the server generates one, so a second execution would show as a second tenant.
    const argv = ['tenants', 'create', '--name', 'CLI Idem', '--plan', 'free', '--idempotency-key', 'cli-retry-1'];
    const first = await kw(argv);
    const retry = await kw(argv);
    expect(first.code).toBe(0);
    expect(retry).toEqual(first);
    const tenants = itemsOf((await kw(['tenants', 'list', '--all'])).stdout);
    expect(tenants.filter((t) => t.name === 'CLI Idem').map((t) => t.id)).toEqual([json(first.stdout).id]);
  });
});

describe('the command table and the route table (lambdas/routes.ts)', () => {
  it('every admin route and method is reachable by a CLI command', () => {
    expect(adminOperations.length).toBeGreaterThan(20);
    expect(adminOperations.filter((op) => !cliOperations.has(op))).toEqual([]);
  });

  it('every CLI command calls an admin route with a method it serves', () => {
    const unrouted = commands.flatMap((c) =>
      operationsOf(c)
        .filter((op) => !adminOperations.includes(op))
        .map((op) => `${c.resource} ${c.action ?? ''}: ${op}`),
    );
    expect(unrouted).toEqual([]);
  });

  it('only public routes are commands that send no key', () => {
    const publicOps = routes
      .filter((r) => r.path.startsWith('/admin/'))
      .flatMap((r) => r.methods.filter((m) => authOf(r, m) === 'public').map((m) => `${m} ${r.path}`));
    expect(commands.filter((c) => c.public).flatMap(operationsOf)).toEqual(publicOps);
  });
});

interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/*
 * What the real server cannot show: the exact bytes of each request (URL encoding, only the given body fields,
 * headers), and answers it never gives (a non-JSON error from a gateway).
 */
describe('keyway CLI requests (a recording server)', () => {
  let server: Server;
  let base: string;
  let requests: Recorded[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        text += chunk;
      });
      req.on('end', () => {
        requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: text ? JSON.parse(text) : undefined,
        });
        if (req.url?.includes('gateway')) {
          res.writeHead(502, { 'Content-Type': 'text/plain' });
          res.end('Bad Gateway');
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Runs the CLI and returns the one request it sent. */
  async function sent(argv: string[], env: Record<string, string | undefined> = {}) {
    requests = [];
    const res = await cli(argv, { KEYWAY_BASE_URL: base, KEYWAY_ADMIN_KEY: 'kw_admin_x', ...env });
    expect(requests).toHaveLength(1);
    return { res, req: requests[0] as Recorded };
  }

  const T = '/admin/tenants/t1';
  const cases: [argv: string[], method: string, path: string, body?: unknown][] = [
    [
      ['clients', 'update', 't1', 'c1', '--metadata', '{"scope":"openid"}'],
      'PATCH',
      `${T}/clients/c1`,
      { scope: 'openid' },
    ],
    [
      ['clients', 'update', 't1', 'c1', '--grant-types', 'authorization_code', '--auth-method', 'client_secret_post'],
      'PATCH',
      `${T}/clients/c1`,
      { grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_post' },
    ],
    // No flags: still a JSON body (the server's defaults apply), with its Idempotency-Key.
    [['clients', 'rotate-secret', 't1', 'c1'], 'POST', `${T}/clients/c1/secret`, {}],
    [
      [
        'clients',
        'create',
        't1',
        '--redirect-uri',
        'https://a/cb',
        '--post-logout-redirect-uri',
        'https://a/bye',
        '--grant-types',
        'authorization_code,refresh_token',
        '--auth-method',
        'none',
        '--scope',
        'openid profile',
        '--metadata',
        '{"audience":"api","client_name":"from metadata"}',
      ],
      'POST',
      `${T}/clients`,
      {
        redirect_uris: ['https://a/cb'],
        post_logout_redirect_uris: ['https://a/bye'],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'none',
        scope: 'openid profile',
        audience: 'api',
        client_name: 'from metadata',
      },
    ],
    [
      [
        'resources',
        'create',
        't1',
        '--identifier',
        'https://api.example/v1?x=1',
        '--name',
        'API',
        '--scopes',
        'read,write',
        '--access-token-lifetime',
        '600',
        '--client-id',
        'c1',
      ],
      'POST',
      `${T}/resources`,
      {
        identifier: 'https://api.example/v1?x=1',
        name: 'API',
        scopes: ['read', 'write'],
        access_token_lifetime: 600,
        client_id: 'c1',
      },
    ],
    [
      ['resources', 'create', 't1', '--identifier', 'urn:example:api', '--name', 'API', '--scopes', ''],
      'POST',
      `${T}/resources`,
      { identifier: 'urn:example:api', name: 'API', scopes: [] },
    ],
    [['resources', 'list', 't1', '--limit', '5'], 'GET', `${T}/resources?limit=5`],
    [['resources', 'get', 't1', 'rs_-abc'], 'GET', `${T}/resources/rs_-abc`],
    [['resources', 'delete', 't1', 'rs_a/b'], 'DELETE', `${T}/resources/rs_a%2Fb`],
    [
      ['clients', 'update', 't1', 'c1', '--resources', 'https://a.example,urn:example:b'],
      'PATCH',
      `${T}/clients/c1`,
      { resources: ['https://a.example', 'urn:example:b'] },
    ],
    [['users', 'list', 't1', '--email', 'a+b@example.com'], 'GET', `${T}/users?email=a%2Bb%40example.com`],
    [
      ['users', 'update', 't1', 'u1', '--family-name', 'Lovelace', '--roles', ''],
      'PATCH',
      `${T}/users/u1`,
      { family_name: 'Lovelace', roles: [] },
    ],
    [
      ['users', 'update', 't1', 'u1', '--email', 'new@example.com', '--email-verified'],
      'PATCH',
      `${T}/users/u1`,
      { email: 'new@example.com', email_verified: true },
    ],
    [
      ['users', 'create', 't1', '--email', 'a@example.com', '--no-invite'],
      'POST',
      `${T}/users`,
      { email: 'a@example.com', invite: false },
    ],
    [['users', 'invite', 't1', 'u/1'], 'POST', `${T}/users/u%2F1/invitation`, {}],
    [['users', 'sessions', 't1', 'u/1', '--limit', '2'], 'GET', `${T}/users/u%2F1/sessions?limit=2`],
    [['users', 'remove-passkey', 't1', 'u1', 'cred/1=='], 'DELETE', `${T}/users/u1/passkeys/cred%2F1%3D%3D`],
    [['roles', 'delete', 't1', 'team lead'], 'DELETE', `${T}/roles/team%20lead`],
    [['audit-log', '--platform', '--limit', '5', '--cursor', 'c/2'], 'GET', '/admin/audit-log?limit=5&cursor=c%2F2'],
    [['tenants', 'get', 'a/b?c'], 'GET', '/admin/tenants/a%2Fb%3Fc'],
  ];

  it.each(cases)('%j sends %s %s with only the given fields', async (argv, method, path, body) => {
    const { res, req } = await sent(argv);
    expect(res).toEqual({ code: 0, stdout: '{}\n', stderr: '' });
    expect(req).toMatchObject({ method, url: path, body });
    expect(req.headers.authorization).toBe('Bearer kw_admin_x');
    expect(req.headers.accept).toBe('application/json');
    if (body === undefined) {
      expect(req.headers['content-type']).toBeUndefined();
      expect(req.headers['idempotency-key']).toBeUndefined();
    } else {
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers['idempotency-key']).toMatch(UUID);
    }
  });

  it('sends a fresh Idempotency-Key per POST/PATCH, or the one given with --idempotency-key', async () => {
    const a = await sent(['users', 'suspend', 't1', 'u1']);
    const b = await sent(['users', 'suspend', 't1', 'u1']);
    expect(a.req.headers['idempotency-key']).not.toBe(b.req.headers['idempotency-key']);
    const given = await sent(['users', 'suspend', 't1', 'u1', '--idempotency-key', 'k-42']);
    expect(given.req.headers['idempotency-key']).toBe('k-42');
  });

  it('ids that start with "-" (base64url) are values, not options, as positionals and as flag values', async () => {
    const { res, req } = await sent(['users', 'remove-passkey', 't1', 'u1', '-Ab3_x']);
    expect(res.code).toBe(0);
    expect(req).toMatchObject({ method: 'DELETE', url: `${T}/users/u1/passkeys/-Ab3_x` });
    const flag = await sent(['clients', 'update', 't1', '-c1', '--name', '-dash']);
    expect(flag.req).toMatchObject({ method: 'PATCH', url: `${T}/clients/-c1`, body: { client_name: '-dash' } });
  });

  it('--key wins over KEYWAY_API_KEY, which wins over KEYWAY_ADMIN_KEY; --base-url over KEYWAY_BASE_URL, keeping its path', async () => {
    expect((await sent(['roles', 'list', 't1'], { KEYWAY_API_KEY: 'kw_sk_env' })).req.headers.authorization).toBe(
      'Bearer kw_sk_env',
    );
    const flag = await sent(['roles', 'list', 't1', '--key', 'kw_sk_flag'], { KEYWAY_API_KEY: 'kw_sk_env' });
    expect(flag.req.headers.authorization).toBe('Bearer kw_sk_flag');
    const prefixed = await sent(['roles', 'list', 't1', '--base-url', `${base}/prod/`], {
      KEYWAY_BASE_URL: 'http://127.0.0.1:1',
    });
    expect(prefixed.req.url).toBe('/prod/admin/tenants/t1/roles');
    const anonymous = await sent(['roles', 'list', 't1'], { KEYWAY_ADMIN_KEY: undefined });
    expect(anonymous.req.headers.authorization).toBeUndefined();
  });

  it('a non-JSON error answer (a gateway) exits 1 with the status and the text on stderr', async () => {
    const { res } = await sent(['tenants', 'get', 'gateway']);
    expect(res).toEqual({ code: 1, stdout: '', stderr: 'keyway: HTTP 502\nBad Gateway\n' });
  });

  it('openapi sends no key, even when one is configured', async () => {
    const { res, req } = await sent(['openapi', '--key', 'kw_sk_flag'], { KEYWAY_API_KEY: 'kw_sk_env' });
    expect(res.code).toBe(0);
    expect(req).toMatchObject({ method: 'GET', url: '/admin/openapi.json' });
    expect(req.headers.authorization).toBeUndefined();
  });

  it.each([
    [['tenants', 'frob']],
    [['nope', 'list']],
    [[]],
    [['tenants', 'get']],
    [['tenants', 'get', 't1', 'extra']],
    [['tenants', 'create', '--plan', 'free']],
    [['tenants', 'list', '--bogus']],
    [['tenants', 'get', 't1', '--all']],
    [['tenants', 'update', 't1', '--settings', '{not json']],
    [['clients', 'update', 't1', 'c1', '--metadata', '[1]']],
    [['clients', 'rotate-secret', 't1', 'c1', '--overlap-seconds', 'soon']],
    [['audit-log']],
    [['audit-log', 't1', '--platform']],
    [['resources', 'create', 't1', '--identifier', 'https://api.example', '--name', 'API']],
    [['resources', 'create', 't1', '--name', 'API', '--scopes', 'read']],
    [
      [
        'resources',
        'create',
        't1',
        '--identifier',
        'u',
        '--name',
        'A',
        '--scopes',
        'r',
        '--access-token-lifetime',
        'x',
      ],
    ],
    [['resources', 'get', 't1']],
    [['openapi', 'extra']],
    [['users', 'update', 't1', 'u1', '--email-verified=false']],
  ])('usage error %j: exit 2, a one-line reason and the usage on stderr, no request', async (argv) => {
    requests = [];
    const res = await cli(argv, { KEYWAY_BASE_URL: base });
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^keyway: [^\n]+\n\nUsage: keyway/);
    expect(requests).toHaveLength(0);
  });

  it('--help prints the usage, every command on one line, on stdout with exit 0', async () => {
    const res = await cli(['--help'], {});
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toContain('keyway users remove-passkey <tenantId> <userId> <credentialId>\n');
    expect(res.stdout).toContain('keyway users sessions <tenantId> <userId> [paging]\n');
    expect(res.stdout).toContain('keyway openapi\n');
    const tenants = await cli(['tenants', '--help'], {});
    expect(tenants.stdout).toContain('keyway tenants create --name N --plan free|pro|enterprise');
    expect(tenants.stdout).not.toContain('keyway users');
  });

  it('an unreachable server exits 1; a POST names its Idempotency-Key so a re-run is safe', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const res = await cli(['roles', 'create', 't1', 'admin'], { KEYWAY_BASE_URL: `http://127.0.0.1:${port}` });
    expect(res).toMatchObject({ code: 1, stdout: '' });
    expect(res.stderr).toMatch(/^keyway: cannot reach the server: POST http:\/\/127\.0\.0\.1:\d+\/admin\/tenants\/t1/);
    expect(res.stderr).toMatch(/re-run with --idempotency-key [0-9a-f-]{36}\n$/);
  });
});

describe('the keyway launcher', () => {
  it('node cli/keyway.mjs --help runs the TypeScript entry through tsx: usage on stdout, exit 0', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['cli/keyway.mjs', '--help'], { cwd: root });
    expect(stdout).toMatch(/^Usage: keyway/);
    expect(stdout).toContain('keyway tenants list');
  });
});
