import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeyway } from '../../local/app.ts';
import { startTestKeyway } from '../support/keyway.ts';
import { basicAuth, getCode, redeem, setupTenant, signedInUser, tokenRequest } from '../support/oidc.ts';

let keyway: LocalKeyway;
let ctx: Awaited<ReturnType<typeof setupTenant>>;

beforeAll(async () => {
  keyway = await startTestKeyway();
  ctx = await setupTenant(keyway);
});
afterAll(async () => keyway?.stop());

/** Makes the next `times` TransactWriteItems calls fail as DynamoDB does when another transaction holds an item. */
function conflictNextTransactions(times: number): { restore: () => void; conflicts: () => number } {
  const doc = keyway.store.table.doc;
  const send = doc.send.bind(doc);
  let left = times;
  let seen = 0;
  doc.send = ((command: { constructor: { name: string } }, ...rest: unknown[]) => {
    if (command.constructor.name === 'TransactWriteCommand' && left > 0) {
      left--;
      seen++;
      return Promise.reject(
        new TransactionCanceledException({
          message:
            'Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]',
          $metadata: {},
          CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }, { Code: 'None' }],
        }),
      );
    }
    return (send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as typeof doc.send;
  return {
    restore: () => {
      doc.send = send;
    },
    conflicts: () => seen,
  };
}

describe('contention', () => {
  it('a refresh whose rotation meets a TransactionConflict is retried, not a 500', async () => {
    const user = await signedInUser(keyway, ctx.tenantId);
    const { code, verifier } = await getCode(keyway, ctx, user.cookie);
    const issued = await redeem(keyway, ctx, code, verifier);
    const fault = conflictNextTransactions(2);
    try {
      const refreshed = await tokenRequest(
        keyway,
        ctx.tenantId,
        { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token as string },
        { Authorization: basicAuth(ctx.client) },
      );
      expect(fault.conflicts()).toBe(2);
      expect(refreshed.res.status).toBe(200);
      expect(refreshed.body.refresh_token).toBeDefined();
    } finally {
      fault.restore();
    }
  });

  it('a conflict that outlasts the retries is an OAuth error the client can retry, never a 500', async () => {
    const user = await signedInUser(keyway, ctx.tenantId);
    const { code, verifier } = await getCode(keyway, ctx, user.cookie);
    const issued = await redeem(keyway, ctx, code, verifier);
    const fault = conflictNextTransactions(100);
    try {
      const refreshed = await tokenRequest(
        keyway,
        ctx.tenantId,
        { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token as string },
        { Authorization: basicAuth(ctx.client) },
      );
      expect(refreshed.res.status).not.toBe(500);
      expect(refreshed.res.status).toBeLessThan(600);
      expect(refreshed.body.error).toBeDefined();
    } finally {
      fault.restore();
    }
  });
});

describe('names of Object.prototype members are just names', () => {
  it.each([
    '/.well-known/openid-configuration?constructor=1',
    '/.well-known/openid-configuration?__proto__=1&toString=2',
    '/authorize?constructor=x&hasOwnProperty=y',
  ])('GET {issuer}%s is not a 500', async (suffix) => {
    const res = await fetch(`${keyway.url}/${ctx.tenantId}${suffix}`, { redirect: 'manual' });
    expect(res.status).toBeLessThan(500);
  });

  it('a header or form field named constructor is not a 500', async () => {
    const res = await fetch(`${keyway.url}/${ctx.tenantId}/token`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        constructor: 'x',
        Authorization: basicAuth(ctx.client),
      },
      body: 'grant_type=constructor&constructor=1&__proto__=2',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });
});
