import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface SigningKeysProps {
  /** Generation that signs tokens now (one KMS key per generation name). */
  readonly current: string;
  /**
   * Generations whose public keys are published in JWKS besides the current one: the next key (published before it
   * signs) and the previous key (kept until every token it signed has expired). See docs/DEPLOY.md, key rotation.
   * @default - none
   */
  readonly published?: readonly string[];
  /**
   * Alias prefix; each generation gets `{aliasPrefix}/signing-{generation}`.
   * @default 'alias/keyway'
   */
  readonly aliasPrefix?: string;
}

/**
 * How route functions get their signer (lambdas/core/config.ts): the environment every route receives, and the
 * grants for routes whose `access` says they sign or read public keys. One implementation per signing mode.
 */
export interface TokenSigning {
  /** SIGNER_MODE and its settings, given to every route so a route that should not sign fails closed. */
  readonly environment: Record<string, string>;
  /** What a route with `access.sign` needs to sign. */
  grantSign(role: iam.IRole): void;
  /** What a route with `access.sign` or `access.publicKeys` needs at cold start to publish or verify. */
  grantPublicKeys(role: iam.IRole): void;
}

/** Administering a KMS key without using it: policy, aliases, tags, grants' revocation, enable/disable, deletion. */
export const KEY_ADMIN_ACTIONS = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:PutKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListKeyPolicies',
  'kms:ListResourceTags',
  'kms:ListGrants',
  'kms:RevokeGrant',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:UpdateKeyDescription',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
] as const;

/**
 * What the account root may do with a signing key: administer it (policy, aliases, tags, enable/disable, deletion)
 * and read its public half. Deliberately absent: kms:Sign, kms:Verify and kms:CreateGrant, so an IAM policy that
 * allows `kms:Sign` on `*` grants nothing here: signing needs a key-policy statement naming the role, which
 * `grantSign` adds for each signing function's role.
 *
 * What this does not stop, and docs/DEPLOY.md says so: because the root statement includes kms:PutKeyPolicy, any IAM
 * principal of the account that is allowed kms:PutKeyPolicy on the key (an administrator) can rewrite the policy and
 * then sign. Without it nobody could ever change the policy again (KMS refuses a policy that locks the account out
 * unless the caller bypasses its safety check), so the key's policy is only as safe as who holds kms:PutKeyPolicy.
 */
export const ROOT_ADMIN_ACTIONS = [...KEY_ADMIN_ACTIONS, 'kms:GetPublicKey'] as const;

/** The KMS signing algorithm of RS256 (lambdas/core/signer/kms-signer.ts signs with nothing else). */
export const SIGNING_ALGORITHM = 'RSASSA_PKCS1_V1_5_SHA_256';

/**
 * The token-signing keys: KMS RSA_2048 SIGN_VERIFY, one key and alias per generation. The private halves never
 * leave KMS; only roles passed to `grantSign` can sign, only with the current generation.
 */
export class SigningKeys extends Construct implements TokenSigning {
  readonly current: kms.Key;
  /** Next/previous generations, published in JWKS but never used to sign. */
  readonly published: readonly kms.Key[];

  constructor(scope: Construct, id: string, props: SigningKeysProps) {
    super(scope, id);
    const aliasPrefix = props.aliasPrefix ?? 'alias/keyway';
    const published = [...new Set(props.published ?? [])].filter((g) => g !== props.current);
    const create = (generation: string) => {
      const key = new kms.Key(this, `Key-${generation}`, {
        description: `Keyway token signing key, generation ${generation}`,
        keySpec: kms.KeySpec.RSA_2048,
        keyUsage: kms.KeyUsage.SIGN_VERIFY,
        // Supplying the policy stops CDK from adding its default `kms:*` for the account root.
        policy: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'AccountRootAdministersButCannotSign',
              principals: [new iam.AccountRootPrincipal()],
              actions: [...ROOT_ADMIN_ACTIONS],
              resources: ['*'],
            }),
          ],
        }),
        // Tokens signed by a key stop verifying the moment it is gone; deleting one is a deliberate manual step.
        removalPolicy: RemovalPolicy.RETAIN,
        pendingWindow: Duration.days(30),
      });
      key.addAlias(`${aliasPrefix}/signing-${generation}`);
      return key;
    };
    this.current = create(props.current);
    this.published = published.map(create);
  }

  /** Every key whose public half is published in JWKS, current first. */
  get all(): readonly kms.Key[] {
    return [this.current, ...this.published];
  }

  /** Environment the KMS signer reads (lambdas/core/config.ts). */
  get environment(): Record<string, string> {
    return {
      SIGNER_MODE: 'kms',
      SIGNING_KEY_ID: this.current.keyArn,
      SIGNING_PUBLISHED_KEY_IDS: this.published.map((k) => k.keyArn).join(','),
    };
  }

  /**
   * kms:Sign on the current key. It must be in the key policy (the root statement cannot delegate it); the same
   * permission also goes on the role so the role's own policy documents what it can do.
   */
  grantSign(role: iam.IRole): void {
    // Only the one algorithm tokens are signed with (RS256): the role cannot use the key for anything else.
    const conditions = { StringEquals: { 'kms:SigningAlgorithm': SIGNING_ALGORITHM } };
    this.current.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [role],
        actions: ['kms:Sign'],
        resources: ['*'],
        conditions,
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kms:Sign'], resources: [this.current.keyArn], conditions }),
    );
  }

  /** kms:GetPublicKey on every published generation, called once per cold start (its quota is small). */
  grantPublicKeys(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kms:GetPublicKey'], resources: this.all.map((k) => k.keyArn) }),
    );
  }
}
