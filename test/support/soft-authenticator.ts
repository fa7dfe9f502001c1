import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

/**
 * A software WebAuthn authenticator for Node tests: ES256 keys from node:crypto, `none` attestation, and
 * authenticator data built by hand (WebAuthn §6.1), so the server's verification runs on real signatures.
 * It plays the browser too (clientDataJSON, §5.8.1), with whatever origin the test says.
 */

type Cbor = number | string | Uint8Array | Cbor[] | Map<Cbor, Cbor> | { [key: string]: Cbor };

/** Just enough CBOR (RFC 8949) for attestation objects and COSE keys: ints, byte and text strings, arrays, maps. */
export function encodeCbor(value: Cbor): Buffer {
  const head = (major: number, n: number): Buffer => {
    if (n < 24) return Buffer.from([(major << 5) | n]);
    if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
    if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
    const b = Buffer.alloc(5);
    b[0] = (major << 5) | 26;
    b.writeUInt32BE(n, 1);
    return b;
  };
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(encodeCbor)]);
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, v]) => [encodeCbor(k), encodeCbor(v)])]);
}

export const FLAGS = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 } as const;

export interface SoftCredential {
  readonly id: Buffer;
  readonly rpId: string;
  readonly userHandle: Buffer;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  counter: number;
}

export interface CeremonyTweaks {
  /** Origin written into clientDataJSON; default the one given to the authenticator. */
  readonly origin?: string;
  /** Authenticator data flags; default UP + UV (+ AT on creation). */
  readonly flags?: number;
  /** Overrides the challenge echoed in clientDataJSON. */
  readonly challenge?: string;
  /** Use this credential rather than the first one that matches. */
  readonly credentialId?: string;
  /** Sign-count to report (and keep); default: the previous one + 1. */
  readonly counter?: number;
}

const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(readonly origin: string) {}

  /** navigator.credentials.create(): a new resident ES256 credential, `none` attestation. */
  create(options: PublicKeyCredentialCreationOptionsJSON, tweaks: CeremonyTweaks = {}): RegistrationResponseJSON {
    const rpId = options.rp.id ?? new URL(this.origin).hostname;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const credential: SoftCredential = {
      id: randomBytes(16),
      rpId,
      userHandle: Buffer.from(options.user.id, 'base64url'),
      privateKey,
      publicKey,
      counter: tweaks.counter ?? 0,
    };
    // COSE_Key (RFC 9053 §7.1.1): kty EC2, alg ES256, crv P-256, x, y.
    const coseKey = encodeCbor(
      new Map<Cbor, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credential.id.length);
    const authData = Buffer.concat([
      this.authDataHead(rpId, tweaks.flags ?? FLAGS.UP | FLAGS.UV | FLAGS.AT, credential.counter),
      Buffer.alloc(16), // AAGUID: zeros, as with `none` attestation
      idLength,
      credential.id,
      coseKey,
    ]);
    const clientDataJSON = this.clientData('webauthn.create', tweaks.challenge ?? options.challenge, tweaks.origin);
    const attestationObject = encodeCbor(
      new Map<Cbor, Cbor>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    this.credentials.push(credential);
    return {
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** navigator.credentials.get(): an assertion over authenticatorData ‖ SHA-256(clientDataJSON) (§6.3.3). */
  get(options: PublicKeyCredentialRequestOptionsJSON, tweaks: CeremonyTweaks = {}): AuthenticationResponseJSON {
    const rpId = options.rpId ?? new URL(this.origin).hostname;
    const allowed = options.allowCredentials?.map((c) => c.id);
    const credential = this.credentials.find(
      (c) =>
        c.rpId === rpId &&
        (tweaks.credentialId
          ? b64url(c.id) === tweaks.credentialId
          : !allowed?.length || allowed.includes(b64url(c.id))),
    );
    if (!credential) throw new Error('NotAllowedError: no matching credential');
    credential.counter = tweaks.counter ?? credential.counter + 1;
    const authData = this.authDataHead(rpId, tweaks.flags ?? FLAGS.UP | FLAGS.UV, credential.counter);
    const clientDataJSON = this.clientData('webauthn.get', tweaks.challenge ?? options.challenge, tweaks.origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
    return {
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: b64url(credential.userHandle),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  private authDataHead(rpId: string, flags: number, counter: number): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count]);
  }

  private clientData(type: string, challenge: string, origin = this.origin): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }
}
