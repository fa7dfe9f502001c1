/**
 * Stands in, in the Lambda bundles only, for the AWS SDK credential providers that read ~/.aws files, SSO caches or
 * a web-identity token file (`@aws-sdk/credential-provider-{sso,ini,process,web-identity}`): lib/keyway-function.ts
 * aliases those packages to this module. In Keyway's functions none of them has anything to find: Lambda hands
 * the function its role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, which the
 * SDK's default chain reads first (`fromEnv`), and KeywayFunction refuses AWS_PROFILE, which would skip `fromEnv`.
 * Bundled, they and the STS/SSO clients they load were ~110 KB, a third of a DynamoDB-only bundle, parsed at every
 * cold start. The container and instance-metadata providers (`remoteProvider`) stay bundled.
 *
 * Each provider here declines the way an absent file does — a CredentialsProviderError with `tryNextLink`, so the
 * chain moves on — and says why. Local mode and the tests run from source and keep the SDK's real providers.
 */

/** Duck-typed like the SDK's CredentialsProviderError: the chain only reads `tryNextLink`. */
class ProviderNotBundled extends Error {
  override readonly name = 'CredentialsProviderError';
  readonly tryNextLink = true;
}

function notBundled(provider: string) {
  return () => async (): Promise<never> => {
    throw new ProviderNotBundled(
      `${provider} is not in Keyway's Lambda bundles (lib/keyway-function.ts): a function takes its role's credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.`,
    );
  };
}

export const fromSSO = notBundled('fromSSO');
export const fromIni = notBundled('fromIni');
export const fromProcess = notBundled('fromProcess');
export const fromTokenFile = notBundled('fromTokenFile');
