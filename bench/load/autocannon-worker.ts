/**
 * Bench child: one load phase with autocannon, in its own process so the load generator's CPU never counts
 * against a server. Receives the phase over IPC and answers with the summary.
 *
 * - refresh_token: every connection is a client with its own refresh-token chain. A pool holds the current
 *   token of each chain; a request takes one, and a 200 puts its successor back (rotation on every use).
 * - authorization_code: every request redeems a fresh, pre-minted single-use code from the pool.
 * - client_credentials, token_exchange: every request sends the same body (`body`): a client asking for its own
 *   token, or an agent exchanging the same user access token (an exchange does not consume its subject token).
 */
import autocannon from 'autocannon';
import { exitWithParent } from '../lib/children.ts';

export interface LoadPhase {
  readonly url: string;
  readonly path: string;
  readonly authorization: string;
  readonly grant: 'refresh_token' | 'authorization_code' | 'client_credentials' | 'token_exchange';
  readonly connections: number;
  readonly durationSeconds: number;
  /** refresh_token: the chains' first tokens (+ spares). authorization_code: `code verifier` pairs. */
  readonly pool: readonly string[];
  /** client_credentials and token_exchange: the form body of every request (no pool). */
  readonly body?: string;
  readonly redirectUri: string;
}

export interface LoadResult {
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly durationSeconds: number;
  readonly requestsPerSecond: number;
  readonly latency: { p50: number; p90: number; p99: number; mean: number; max: number };
  /** The code pool ran dry before the duration was up (the phase then ends early). */
  readonly poolExhausted: boolean;
  readonly statusCodes: Record<string, number>;
  readonly sampleError?: string;
}

function run(phase: LoadPhase): Promise<LoadResult> {
  const pool = [...phase.pool];
  let exhausted = false;
  let sampleError: string | undefined;
  const enc = encodeURIComponent;
  const bodyFor = (item: string | undefined) => {
    if (phase.grant === 'refresh_token') return `grant_type=refresh_token&refresh_token=${enc(item ?? 'exhausted')}`;
    const [code = 'exhausted', verifier = 'exhausted'] = (item ?? '').split(' ');
    return `grant_type=authorization_code&code=${enc(code)}&redirect_uri=${enc(phase.redirectUri)}&code_verifier=${enc(verifier)}`;
  };
  let instance: ReturnType<typeof autocannon> | undefined;

  return new Promise<LoadResult>((resolve, reject) => {
    instance = autocannon(
      {
        url: phase.url,
        connections: phase.connections,
        pipelining: 1,
        duration: phase.durationSeconds,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            path: phase.path,
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              authorization: phase.authorization,
              accept: 'application/json',
            },
            setupRequest: (req, context) => {
              if (phase.body !== undefined) return { ...req, body: phase.body };
              const item = pool.shift();
              if (item === undefined && !exhausted) {
                exhausted = true;
                if (phase.grant === 'authorization_code') setImmediate(() => instance?.stop());
              }
              context.item = item;
              return { ...req, body: bodyFor(item) };
            },
            onResponse: (status, body) => {
              if (status === 200) {
                if (phase.grant === 'refresh_token') {
                  const next = (JSON.parse(body) as { refresh_token?: string }).refresh_token;
                  if (next) pool.push(next);
                }
              } else sampleError ??= `${status} ${body.slice(0, 300)}`;
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        const ok = result['2xx'];
        resolve({
          ok,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          durationSeconds: result.duration,
          requestsPerSecond: ok / result.duration,
          latency: {
            p50: result.latency.p50,
            p90: result.latency.p90,
            p99: result.latency.p99,
            mean: result.latency.average,
            max: result.latency.max,
          },
          poolExhausted: exhausted,
          statusCodes: Object.fromEntries(
            Object.entries(result.statusCodeStats ?? {}).map(([code, v]) => [code, (v as { count: number }).count]),
          ),
          ...(sampleError ? { sampleError } : {}),
        });
      },
    );
  });
}

exitWithParent();
process.once('message', (message: { type: string; phase: LoadPhase }) => {
  if (message.type !== 'run') return;
  run(message.phase).then(
    (result) => process.send?.({ type: 'result', result }),
    (error: Error) => process.send?.({ type: 'fatal', error: error.stack ?? String(error) }),
  );
});
process.send?.({ type: 'ready' });
