/**
 * The machine grants next to the token load phases (issue "Machines and agents", Keyway only): what one
 * client_credentials and one token-exchange response are (checked before the load), and the DynamoDB calls the
 * delegation chain check adds to introspection and userinfo, counted over sequential requests.
 */
import { callsPerToken, type DynamoCallCounts } from '../lib/dynamo-calls.ts';
import {
  exchangeToken,
  jwtClaims,
  type KeywayFixture,
  type MachineFixture,
  tokenCall,
  userAccessToken,
} from '../lib/keyway-fixtures.ts';
import { median } from '../lib/stats.ts';
import { type MachineGrant, settledCalls } from './token-load.ts';

/** One response of a machine grant, as issued. */
export interface MachineSanity {
  readonly grant: MachineGrant;
  readonly responseKeys: readonly string[];
  /** JWTs in the response: each is one RSA signature. */
  readonly signaturesPerResponse: number;
  /** Whose token it is: `sub` is the client itself (client_credentials) or the user (token exchange). */
  readonly subject: 'client' | 'user';
  readonly clientType?: string;
  /** How many actors the `act` claim names (RFC 8693 §4.1; nested). */
  readonly actors: number;
  readonly expiresIn: number;
}

export type ChainEndpoint = 'introspect' | 'userinfo';
/** A user's access token; one an agent got for it by token exchange; one a second agent got for that one. */
export type ChainToken = 'plain' | 'delegated' | 'delegated-twice';

export interface ChainCheckRow {
  readonly endpoint: ChainEndpoint;
  readonly token: ChainToken;
  /** Actors in the token's chain (0 for a plain token). */
  readonly actors: number;
  readonly requests: number;
  /** Answers that were a 200 with the token active (introspection) or the user's claims (userinfo). */
  readonly ok: number;
  readonly statuses: Record<string, number>;
  readonly dynamoCallsPerRequest: number;
  readonly dynamoCallsByOperation: Record<string, number>;
  readonly dynamoAttemptsPerRequest: number;
  readonly dynamoKeysReadPerRequest?: number;
  /** Keyway's CPU per request (its process, as in the load phases). */
  readonly cpuMsPerRequest: number;
  /** Round trip seen by the bench, sequential requests. */
  readonly p50Ms: number;
  readonly meanMs: number;
}

export interface ChainCheckResult {
  /** Measured requests per row (after `warmUp` unrecorded ones). */
  readonly requests: number;
  readonly warmUp: number;
  readonly rows: readonly ChainCheckRow[];
}

const actorsOf = (claims: Record<string, unknown>) => {
  let n = 0;
  for (let act = claims.act as { act?: unknown } | undefined; act; act = act.act as { act?: unknown } | undefined) n++;
  return n;
};

const jwtCount = (body: Record<string, unknown>) =>
  ['access_token', 'id_token'].filter((k) => typeof body[k] === 'string' && (body[k] as string).split('.').length === 3)
    .length;

/** One client_credentials response (the service) and one token exchange (the first agent), checked and described. */
export async function machineSanity(fx: KeywayFixture, machine: MachineFixture): Promise<MachineSanity[]> {
  const tokenUrl = `${fx.url}/${fx.tenantId}/token`;
  const cc = await tokenCall(tokenUrl, machine.service.authorization, { grant_type: 'client_credentials' });
  if (cc.status !== 200) throw new Error(`client_credentials failed: ${cc.status} ${JSON.stringify(cc.body)}`);
  const exchanged = await exchangeToken(fx, machine.agents[0].authorization, await userAccessToken(fx));
  const describe = (grant: MachineGrant, body: Record<string, unknown>): MachineSanity => {
    const claims = jwtClaims(body.access_token as string);
    return {
      grant,
      responseKeys: Object.keys(body).sort(),
      signaturesPerResponse: jwtCount(body),
      subject: claims.sub === claims.client_id ? 'client' : 'user',
      ...(typeof claims.client_type === 'string' ? { clientType: claims.client_type } : {}),
      actors: actorsOf(claims),
      expiresIn: body.expires_in as number,
    };
  };
  const out = [describe('client_credentials', cc.body), describe('token_exchange', exchanged)];
  if (out[0]!.subject !== 'client' || out[1]!.subject !== 'user' || out[1]!.actors !== 1)
    throw new Error(`machine grants answered unexpected tokens: ${JSON.stringify(out)}`);
  return out;
}

/**
 * Introspection and userinfo for a plain user token, a delegated one and a delegation of that, `requests` of each
 * one at a time (after `warmUp` unrecorded ones), with Keyway's DynamoDB calls and CPU read before and after each
 * row. Introspection is by the token's own client (the bench app, the agent, the second agent), so the caller may
 * see it without a resource lookup; userinfo takes the token as a Bearer.
 */
export async function measureChainChecks(options: {
  readonly fx: KeywayFixture;
  readonly machine: MachineFixture;
  readonly requests: number;
  readonly warmUp?: number;
  cpuMicros(): Promise<number>;
  dynamoCalls(): Promise<DynamoCallCounts>;
}): Promise<ChainCheckResult> {
  const { fx, machine, requests } = options;
  const warmUp = options.warmUp ?? 10;
  const plain = await userAccessToken(fx);
  const delegated = (await exchangeToken(fx, machine.agents[0].authorization, plain)).access_token as string;
  const twice = (await exchangeToken(fx, machine.agents[1].authorization, delegated)).access_token as string;
  const tokens: { token: ChainToken; jwt: string; owner: string }[] = [
    { token: 'plain', jwt: plain, owner: fx.authorization },
    { token: 'delegated', jwt: delegated, owner: machine.agents[0].authorization },
    { token: 'delegated-twice', jwt: twice, owner: machine.agents[1].authorization },
  ];
  const base = `${fx.url}/${fx.tenantId}`;
  const call = async (endpoint: ChainEndpoint, t: (typeof tokens)[number]) => {
    const res =
      endpoint === 'introspect'
        ? await fetch(`${base}/introspect`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: t.owner },
            body: new URLSearchParams({ token: t.jwt, token_type_hint: 'access_token' }),
          })
        : await fetch(`${base}/userinfo`, { headers: { Authorization: `Bearer ${t.jwt}` } });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    const ok = res.status === 200 && (endpoint === 'introspect' ? body.active === true : body.sub !== undefined);
    return { status: res.status, ok, body };
  };

  const rows: ChainCheckRow[] = [];
  for (const t of tokens) {
    const actors = actorsOf(jwtClaims(t.jwt));
    for (const endpoint of ['introspect', 'userinfo'] as const) {
      for (let i = 0; i < warmUp; i++) {
        const r = await call(endpoint, t);
        if (!r.ok) throw new Error(`${endpoint} of the ${t.token} token: ${r.status} ${JSON.stringify(r.body)}`);
      }
      const calls0 = await options.dynamoCalls();
      const cpu0 = await options.cpuMicros();
      const statuses: Record<string, number> = {};
      const times: number[] = [];
      let ok = 0;
      for (let i = 0; i < requests; i++) {
        const t0 = performance.now();
        const r = await call(endpoint, t);
        times.push(performance.now() - t0);
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.ok) ok++;
      }
      const cpu1 = await options.cpuMicros();
      const calls1 = (await settledCalls(options.dynamoCalls))!;
      const { perToken, byOperation, attemptsPerToken, keysReadPerToken } = callsPerToken(calls0, calls1, requests);
      rows.push({
        endpoint,
        token: t.token,
        actors,
        requests,
        ok,
        statuses,
        dynamoCallsPerRequest: perToken,
        dynamoCallsByOperation: byOperation,
        dynamoAttemptsPerRequest: attemptsPerToken,
        ...(keysReadPerToken !== undefined ? { dynamoKeysReadPerRequest: keysReadPerToken } : {}),
        cpuMsPerRequest: (cpu1 - cpu0) / 1000 / requests,
        p50Ms: median(times),
        meanMs: times.reduce((sum, x) => sum + x, 0) / times.length,
      });
    }
  }
  return { requests, warmUp, rows };
}
