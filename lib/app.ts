import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type Route, routes } from '../lambdas/routes.ts';
import { readConfig } from './config.ts';
import { KeywayStack } from './keyway-stack.ts';

/**
 * The CDK app: one stack per region label in context, each with an explicit env (the account from the CLI's
 * credentials when there are any; synth works offline without them), and cdk-nag's AWS Solutions checks on every
 * synth: any unacknowledged finding fails synthesis. `routeTable` is the one in lambdas/routes.ts; tests pass a variant
 * of it to synthesize access that no route has yet.
 */
export function createApp(props: AppProps = {}, routeTable: readonly Route[] = routes): App {
  const app = new App(props);
  const config = readConfig(app.node, routeTable);
  for (const [label, region] of Object.entries(config.regions)) {
    new KeywayStack(app, `Keyway-${label}`, {
      env: { account: process.env.CDK_DEFAULT_ACCOUNT || undefined, region },
      description: `Keyway passkey OpenID Connect provider (${label}, ${region})`,
      terminationProtection: true,
      label,
      config,
      routes: routeTable,
    });
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}
