import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { Route } from '../lambdas/routes.ts';

export interface WafProps {
  readonly stage: apigw.Stage;
  readonly routes: readonly Route[];
  /** Requests one IP may send per window before it is answered 429. */
  readonly limitPerIp: number;
  /** @default 300 */
  readonly windowSeconds?: number;
  /**
   * Route ids the per-IP rule does not count: back-channel endpoints (token, revoke, introspect) that relying-party
   * servers call from a handful of IPs at high volume; they remain limited per tenant by the usage plans.
   * @default - every route is counted
   */
  readonly exemptRouteIds?: readonly string[];
}

/** Per-route path suffix after the tenant segment, e.g. `/token`, for an exact "ends with" match. */
function exemptSuffix(route: Route): string {
  const suffix = route.path.replace(/^\/\{tenantId\}/, '');
  if (!suffix || suffix.includes('{'))
    throw new Error(`waf.exemptRouteIds: route "${route.id}" has no fixed path suffix`);
  return suffix;
}

/**
 * A regional WAF web ACL on the API stage with one rate-based rule per client IP, answering 429 with a JSON body
 * once an IP exceeds the limit (front-channel abuse: scripted sign-in attempts, enumeration).
 */
export class Waf extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: WafProps) {
    super(scope, id);
    const exempt = (props.exemptRouteIds ?? []).map((routeId) => {
      const route = props.routes.find((r) => r.id === routeId);
      return route ? exemptSuffix(route) : undefined;
    });
    const suffixes = [...new Set(exempt.filter((s): s is string => s !== undefined))];
    const pathEndsWith = (suffix: string): wafv2.CfnWebACL.StatementProperty => ({
      byteMatchStatement: {
        fieldToMatch: { uriPath: {} },
        positionalConstraint: 'ENDS_WITH',
        searchString: suffix,
        textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
      },
    });
    const exemptStatement: wafv2.CfnWebACL.StatementProperty | undefined =
      suffixes.length === 0
        ? undefined
        : suffixes.length === 1
          ? pathEndsWith(suffixes[0]!)
          : { orStatement: { statements: suffixes.map(pathEndsWith) } };

    const metric = (name: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName: name,
      sampledRequestsEnabled: true,
    });

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: metric('keyway-web-acl'),
      customResponseBodies: {
        'rate-limited': {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({
            type: 'urn:keyway:error:rate_limited',
            title: 'Too many requests',
            status: 429,
            detail: 'Too many requests from this IP address. Retry later.',
            code: 'rate_limited',
            error: 'temporarily_unavailable',
            error_description: 'Too many requests from this IP address. Retry later.',
          }),
        },
      },
      rules: [
        {
          name: 'rate-limit-per-ip',
          priority: 0,
          statement: {
            rateBasedStatement: {
              limit: props.limitPerIp,
              aggregateKeyType: 'IP',
              evaluationWindowSec: props.windowSeconds ?? 300,
              ...(exemptStatement ? { scopeDownStatement: { notStatement: { statement: exemptStatement } } } : {}),
            },
          },
          action: {
            block: {
              customResponse: {
                responseCode: 429,
                customResponseBodyKey: 'rate-limited',
                responseHeaders: [{ name: 'Retry-After', value: String(props.windowSeconds ?? 300) }],
              },
            },
          },
          visibilityConfig: metric('keyway-rate-limit-per-ip'),
        },
      ],
    });

    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
