import { randomInt } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { epochSeconds } from '../clock.ts';
import { randomToken, sha256 } from '../crypto.ts';
import { strip } from './item.ts';
import { keys } from './keys.ts';
import { type Item, isConditionFailed, isTransactionConditionFailed, type Table } from './table.ts';
import { sendTransaction } from './transaction.ts';

/** RFC 8628 §6.1: consonants only (no vowels: no words), no easily confused letters; 20^8 ≈ 2^34.6 codes. */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const DEVICE_CODE_TTL = 600;
export const DEVICE_POLL_INTERVAL = 5;

/** A device authorization request (RFC 8628 §3.1) until it is redeemed, denied or expires. */
export interface DeviceAuthorization {
  readonly tenantId: string;
  /** SHA-256 of the device code (the secret the device polls with); the key of the item. */
  readonly deviceCodeHash: string;
  /** Normalized: 8 letters of USER_CODE_ALPHABET, no dash. */
  readonly userCode: string;
  readonly clientId: string;
  readonly scope: string;
  readonly resource?: string;
  readonly status: 'pending' | 'approved' | 'denied' | 'redeemed';
  /** How long the device must wait between polls, ms; +5 s after each slow_down (RFC 8628 §3.5). */
  readonly intervalMs: number;
  /** Epoch ms before which a poll is too early. */
  readonly nextPollAtMs: number;
  /** Set when the user approved. */
  readonly userId?: string;
  readonly authTime?: number;
  readonly amr?: readonly string[];
  /** The token family the device's tokens will belong to. */
  readonly grantId: string;
  readonly expiresAt: number;
}

/** What a poll of the token endpoint finds (RFC 8628 §3.5). */
export type PollResult =
  | { readonly status: 'approved'; readonly device: DeviceAuthorization }
  | { readonly status: 'pending' | 'slow_down' | 'denied' | 'expired' | 'unknown' };

/** `wdjb-mjht`, `WDJBMJHT` and `WDJB MJHT` are the same code (§6.1: case- and dash-insensitive). */
export function normalizeUserCode(input: string): string | undefined {
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== 8) return undefined;
  for (const c of code) if (!USER_CODE_ALPHABET.includes(c)) return undefined;
  return code;
}

export function displayUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

function newUserCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return code;
}

export class DeviceRepository {
  constructor(private readonly table: Table) {}

  /**
   * Stores a new request and the claim on its user code in one transaction (a user code in use by a live request is
   * never handed out twice; a collision draws another). Returns the raw device code, shown once.
   */
  async createDeviceAuthorization(request: {
    tenantId: string;
    clientId: string;
    scope: string;
    resource?: string | undefined;
    grantId: string;
  }): Promise<{ deviceCode: string; device: DeviceAuthorization }> {
    const now = epochSeconds(this.table.clock);
    for (let attempt = 0; ; attempt++) {
      const deviceCode = randomToken(32);
      const device: DeviceAuthorization = {
        tenantId: request.tenantId,
        deviceCodeHash: sha256(deviceCode),
        userCode: newUserCode(),
        clientId: request.clientId,
        scope: request.scope,
        ...(request.resource !== undefined ? { resource: request.resource } : {}),
        status: 'pending',
        intervalMs: DEVICE_POLL_INTERVAL * 1000,
        nextPollAtMs: 0,
        grantId: request.grantId,
        expiresAt: now + DEVICE_CODE_TTL,
      };
      try {
        await sendTransaction(this.table, {
          TransactItems: [
            {
              Put: {
                TableName: this.table.name,
                Item: {
                  ...keys.deviceCode(device.tenantId, device.deviceCodeHash),
                  type: 'device',
                  ...device,
                  ttl: device.expiresAt + 3600,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.table.name,
                Item: {
                  ...keys.userCode(device.tenantId, device.userCode),
                  type: 'user-code',
                  deviceCodeHash: device.deviceCodeHash,
                  ttl: device.expiresAt,
                },
                ...this.table.freeOrExpired(),
              },
            },
          ],
        });
        return { deviceCode, device };
      } catch (error) {
        if (!isTransactionConditionFailed(error) || attempt >= 3) throw error;
      }
    }
  }

  /** The live request a user code names (two reads: the claim, then the request). */
  async findByUserCode(tenantId: string, userCode: string): Promise<DeviceAuthorization | undefined> {
    const claim = await this.table.get(keys.userCode(tenantId, userCode), true);
    if (!claim) return undefined;
    const item = await this.table.get(keys.deviceCode(tenantId, claim.deviceCodeHash as string), true);
    if (!item) return undefined;
    const device = strip<DeviceAuthorization>(item);
    return device.expiresAt > epochSeconds(this.table.clock) ? device : undefined;
  }

  /** The user's answer on the device page: only a pending, unexpired request changes (conditionally). */
  async decide(
    device: DeviceAuthorization,
    decision: { approve: true; userId: string; authTime: number; amr: readonly string[] } | { approve: false },
  ): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.deviceCode(device.tenantId, device.deviceCodeHash),
          UpdateExpression: decision.approve
            ? 'SET #status = :approved, userId = :user, authTime = :authTime, amr = :amr'
            : 'SET #status = :denied',
          ConditionExpression: 'attribute_exists(pk) AND #status = :pending AND expiresAt > :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':now': epochSeconds(this.table.clock),
            ...(decision.approve
              ? {
                  ':approved': 'approved',
                  ':user': decision.userId,
                  ':authTime': decision.authTime,
                  ':amr': decision.amr,
                }
              : { ':denied': 'denied' }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /**
   * A poll by `clientId` (RFC 8628 §3.4): one conditional UpdateItem that records it and, for an approved request,
   * redeems it (single use: only one poll can move it from approved to redeemed). Too early is `slow_down`, and the
   * interval grows by 5 seconds (§3.5).
   */
  async poll(tenantId: string, deviceCode: string, clientId: string): Promise<PollResult> {
    const key = keys.deviceCode(tenantId, sha256(deviceCode));
    const nowMs = this.table.clock.now();
    const now = Math.floor(nowMs / 1000);
    // A second of slack: a device timing its interval from when it sent the last poll, or clocks a little apart.
    const onTimeMs = nowMs + 1000;
    try {
      const out = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key,
          UpdateExpression: 'SET nextPollAtMs = :nowMs + intervalMs',
          ConditionExpression:
            'attribute_exists(pk) AND clientId = :client AND expiresAt > :now AND nextPollAtMs <= :onTime AND #status IN (:pending, :approved)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':nowMs': nowMs,
            ':onTime': onTimeMs,
            ':client': clientId,
            ':now': now,
            ':pending': 'pending',
            ':approved': 'approved',
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const device = strip<DeviceAuthorization>(out.Attributes ?? {});
      if (device.status !== 'approved') return { status: 'pending' };
      return (await this.redeem(key)) ? { status: 'approved', device } : { status: 'unknown' };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const rawItem = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
      const old: Item | undefined = rawItem ? unmarshall(rawItem) : undefined;
      if (!old || old.clientId !== clientId) return { status: 'unknown' };
      if (old.status === 'denied') return { status: 'denied' };
      if (old.status === 'redeemed') return { status: 'unknown' };
      if ((old.expiresAt as number) <= now) return { status: 'expired' };
      await this.slowDown(key);
      return { status: 'slow_down' };
    }
  }

  private async redeem(key: { pk: string; sk: string }): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key,
          UpdateExpression: 'SET #status = :redeemed',
          ConditionExpression: '#status = :approved',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':redeemed': 'redeemed', ':approved': 'approved' },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  private async slowDown(key: { pk: string; sk: string }): Promise<void> {
    await this.table.doc
      .send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key,
          // The next poll waits the grown interval: now + 5 s + the old interval.
          UpdateExpression: 'SET intervalMs = intervalMs + :fiveSeconds, nextPollAtMs = :nowPlusFive + intervalMs',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':fiveSeconds': 5000, ':nowPlusFive': this.table.clock.now() + 5000 },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailed(error)) throw error;
      });
  }
}
