import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../clock.ts';
import { randomToken, sha256 } from '../crypto.ts';
import { keys } from './keys.ts';
import { isConditionFailed, type Table } from './table.ts';

/** RFC 9126 §2.2: the `request_uri` a pushed authorization request is referred to by. */
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

/** RFC 9126 §2.2 suggests 5 to 600 seconds; the issue asks at most 60: long enough for a redirect, no longer. */
export const PUSHED_REQUEST_TTL = 60;

/**
 * Pushed authorization requests (RFC 9126): the validated parameters a client sent to `{issuer}/par`, waiting for the
 * browser to bring their `request_uri` to authorize. The reference is 144 random bits and only its SHA-256 is in the
 * key; taking it deletes it in the same conditional write, so it is used once, by the client that pushed it, in time.
 */
export class PushedRequestRepository {
  constructor(private readonly table: Table) {}

  async push(
    tenantId: string,
    clientId: string,
    params: Readonly<Record<string, string>>,
  ): Promise<{ requestUri: string; expiresIn: number }> {
    const reference = randomToken(18);
    const expiresAt = epochSeconds(this.table.clock) + PUSHED_REQUEST_TTL;
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...keys.pushedRequest(tenantId, sha256(reference)),
          type: 'pushed-request',
          clientId,
          params,
          expiresAt,
          ttl: expiresAt,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { requestUri: `${REQUEST_URI_PREFIX}${reference}`, expiresIn: PUSHED_REQUEST_TTL };
  }

  /**
   * The parameters `requestUri` stands for, spent by this call: undefined when it is not one of ours, unknown,
   * expired, already used, or pushed by another client (then it stays for its own client).
   */
  async take(tenantId: string, clientId: string, requestUri: string): Promise<Record<string, string> | undefined> {
    if (!requestUri.startsWith(REQUEST_URI_PREFIX)) return undefined;
    const reference = requestUri.slice(REQUEST_URI_PREFIX.length);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(reference)) return undefined;
    try {
      const out = await this.table.doc.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: keys.pushedRequest(tenantId, sha256(reference)),
          ConditionExpression: 'attribute_exists(pk) AND clientId = :client AND expiresAt > :now',
          ExpressionAttributeValues: { ':client': clientId, ':now': epochSeconds(this.table.clock) },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return out.Attributes?.params as Record<string, string> | undefined;
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }
}
