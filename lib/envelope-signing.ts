import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { ENVELOPE_ENCRYPTION_CONTEXT } from '../lambdas/core/signer/kms-envelope-signer.ts';
import type { EnvelopeKeyConfig, EnvelopeSigningConfig } from './config.ts';
import { KEY_ADMIN_ACTIONS, type TokenSigning } from './signing-keys.ts';

/** Alias of each region's wrapping key; scripts/generate-envelope-key.ts uses it by default. */
export const WRAPPING_KEY_ALIAS = 'alias/keyway/envelope-wrapping-key';

/**
 * What the account root may do with the wrapping key: administer it and its rotation. Deliberately absent:
 * kms:Decrypt, kms:ReEncrypt* (re-encrypting the blob under a key the caller controls would export the private key),
 * kms:Encrypt, kms:GenerateDataKey* with plaintext, and kms:CreateGrant. Since the root principal is not allowed
 * these, no IAM policy in the account can grant them; only roles named in the key policy (`grantDecrypt`) can
 * unwrap the signing key.
 */
export const WRAPPING_KEY_ROOT_ADMIN_ACTIONS = [
  ...KEY_ADMIN_ACTIONS,
  'kms:EnableKeyRotation',
  'kms:DisableKeyRotation',
  'kms:ListKeyRotations',
  'kms:RotateKeyOnDemand',
] as const;

/** `kms:EncryptionContext:purpose` = the context the signer decrypts with and the script generates with. */
const purposeCondition = () => ({
  StringEquals: Object.fromEntries(
    Object.entries(ENVELOPE_ENCRYPTION_CONTEXT).map(([k, v]) => [`kms:EncryptionContext:${k}`, v]),
  ),
});

/**
 * The region's kms-envelope wrapping key: a symmetric KMS key with automatic rotation (old key material stays
 * available for Decrypt, so existing ciphertexts keep working). Operators' IAM policies may be allowed
 * kms:GenerateDataKeyPairWithoutPlaintext on it (RSA_2048, signing context only), which returns a public key and a
 * ciphertext but never a plaintext private key; only signing functions can Decrypt.
 */
export class EnvelopeWrappingKey extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Keyway kms-envelope wrapping key: encrypts the token signing private key',
      keySpec: kms.KeySpec.SYMMETRIC_DEFAULT,
      keyUsage: kms.KeyUsage.ENCRYPT_DECRYPT,
      enableKeyRotation: true,
      // Supplying the policy stops CDK from adding its default `kms:*` for the account root.
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'AccountRootAdministersButCannotDecrypt',
            principals: [new iam.AccountRootPrincipal()],
            actions: [...WRAPPING_KEY_ROOT_ADMIN_ACTIONS],
            resources: ['*'],
          }),
          new iam.PolicyStatement({
            sid: 'IamMayAllowGeneratingWrappedSigningKeys',
            principals: [new iam.AccountRootPrincipal()],
            actions: ['kms:GenerateDataKeyPairWithoutPlaintext'],
            resources: ['*'],
            conditions: { StringEquals: { ...purposeCondition().StringEquals, 'kms:DataKeyPairSpec': 'RSA_2048' } },
          }),
        ],
      }),
      // Deleting it makes every ciphertext in cdk.json undecryptable; that is a deliberate manual step.
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
    this.key.addAlias(WRAPPING_KEY_ALIAS);
  }

  /**
   * kms:Decrypt, only with the signing encryption context. In the key policy (the root statement cannot delegate
   * it) and, to document what the role can do, on the role too.
   */
  grantDecrypt(role: iam.IRole): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [role],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: purposeCondition(),
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: purposeCondition(),
      }),
    );
  }
}

export interface EnvelopeSigningProps {
  readonly wrappingKey: EnvelopeWrappingKey;
  /** The generation that signs, with its ciphertext. */
  readonly current: EnvelopeKeyConfig & { readonly ciphertext: string };
  /** Next/previous generations: only their public keys are used. */
  readonly published?: readonly EnvelopeKeyConfig[];
}

/**
 * Lambda's limit is 4 KB for all of a function's variables together. The envelope settings take about 2.4 KB
 * plus 0.4 KB per published key; the rest is left for the other variables (up to about 0.6 KB today, RATE_LIMIT_PLANS
 * included). KeywayFunction refuses a total over the limit.
 */
export const ENVELOPE_ENVIRONMENT_BUDGET = 3500;
/** What a CloudFormation-resolved key ARN takes at most in the environment, for the budget. */
const KEY_ARN_LENGTH = 100;

/**
 * `kms-envelope` mode for the route functions: every route gets the wrapped private key and the public keys
 * (neither is secret); only routes that sign get kms:Decrypt on the wrapping key. No route gets kms:Sign or
 * kms:GetPublicKey: JWKS and verification use the public keys from the environment.
 */
export class EnvelopeSigning implements TokenSigning {
  readonly wrappingKey: EnvelopeWrappingKey;
  /** RFC 7638 thumbprint of the current key: the kid of every token signed in this region. */
  readonly kid: string;
  readonly environment: Record<string, string>;

  constructor(props: EnvelopeSigningProps) {
    this.wrappingKey = props.wrappingKey;
    const current = rsaPublicKey(props.current.publicKey, 'the current generation', 2048);
    this.kid = rfc7638Thumbprint(current);
    for (const key of props.published ?? []) rsaPublicKey(key.publicKey, 'a published generation', undefined);
    this.environment = {
      SIGNER_MODE: 'kms-envelope',
      SIGNING_KEY_CIPHERTEXT: props.current.ciphertext,
      SIGNING_PUBLIC_KEY: props.current.publicKey,
      SIGNING_KEY_WRAPPING_KEY_ID: this.wrappingKey.key.keyArn,
      SIGNING_PUBLISHED_PUBLIC_KEYS: (props.published ?? []).map((k) => k.publicKey).join(','),
    };
    const size = Object.entries(this.environment).reduce(
      (sum, [name, value]) =>
        sum + name.length + (name === 'SIGNING_KEY_WRAPPING_KEY_ID' ? KEY_ARN_LENGTH : value.length),
      0,
    );
    if (size > ENVELOPE_ENVIRONMENT_BUDGET)
      throw new Error(
        `kms-envelope settings take ${size} bytes of Lambda's 4 KB environment (budget ${ENVELOPE_ENVIRONMENT_BUDGET}): ` +
          'publish fewer generations (the next and the previous one are enough)',
      );
  }

  /** The keys of one region from cdk.json (readConfig has checked that they are all there). */
  static forRegion(wrappingKey: EnvelopeWrappingKey, signing: EnvelopeSigningConfig, label: string): EnvelopeSigning {
    const keys = signing.keys[label] ?? {};
    const current = keys[signing.current];
    if (!current?.ciphertext) throw new Error(`signing.keys.${label}.${signing.current} has no ciphertext`);
    const published = [...new Set(signing.published)]
      .filter((generation) => generation !== signing.current)
      .map((generation) => {
        const key = keys[generation];
        if (!key) throw new Error(`signing.keys.${label}.${generation} is published but missing`);
        return key;
      });
    return new EnvelopeSigning({ wrappingKey, current: { ...current, ciphertext: current.ciphertext }, published });
  }

  grantSign(role: iam.IRole): void {
    this.wrappingKey.grantDecrypt(role);
  }

  grantPublicKeys(): void {
    // The public keys are in the environment: nothing to call, nothing to grant.
  }
}

function rsaPublicKey(base64: string, what: string, exactBits: number | undefined): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'spki' });
  } catch (error) {
    throw new Error(`signing.keys: the publicKey of ${what} is not a base64 DER SubjectPublicKeyInfo`, {
      cause: error,
    });
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || (exactBits ? bits !== exactBits : bits < 2048))
    throw new Error(`signing.keys: the publicKey of ${what} must be RSA ${exactBits ?? '2048 bits or more'}`);
  return key;
}

/** RFC 7638 §3.2: SHA-256 over {"e","kty","n"} in that order; the same kid the signer computes with jose. */
export function rfc7638Thumbprint(key: KeyObject): string {
  const { e, n } = key.export({ format: 'jwk' }) as { e: string; n: string };
  return createHash('sha256')
    .update(JSON.stringify({ e, kty: 'RSA', n }))
    .digest('base64url');
}
