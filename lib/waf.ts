import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { Route } from '../lambdas/routes.ts';

export interface WafProps {
  readonly stage: apigw.Stage;
  /** Requests one IP may send per window before it is answered 429. */
  readonly limitPerIp: number;
  /** @default 300 */
  readonly windowSeconds?: number;
  /**
   * Back-channel routes (token, revoke, introspect): relying-party servers call them from a handful of IPs at high
   * volume, so they get a per-IP rule of their own with `backChannelLimitPerIp` instead of sharing `limitPerIp`.
   * A route without a fixed path suffix fails synthesis (readConfig has checked the ids in `waf.backChannelRouteIds`).
   * @default - none: every route shares the one rule
   */
  readonly backChannelRoutes?: readonly Route[];
  /** @default 10 × limitPerIp */
  readonly backChannelLimitPerIp?: number;
}

/** Per-route path suffix after the tenant segment, e.g. `/token`, for an exact "ends with" match. */
function pathSuffix(route: Route): string {
  const suffix = route.path.replace(/^\/\{tenantId\}/, '');
  if (!suffix || suffix.includes('{'))
    throw new Error(`waf.backChannelRouteIds: route "${route.id}" has no fixed path suffix`);
  return suffix;
}

/**
 * A regional WAF web ACL on the API stage with rate-based rules per client IP, answering 429 with a JSON body once an
 * IP exceeds its limit: one for the back-channel routes (a high limit: relying parties' servers), one for every
 * other route (front-channel abuse: scripted sign-in attempts, enumeration, made-up tenants). No route is exempt.
 */
export class Waf extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: WafProps) {
    super(scope, id);
    const suffixes = [...new Set((props.backChannelRoutes ?? []).map(pathSuffix))];
    const pathEndsWith = (suffix: string): wafv2.CfnWebACL.StatementProperty => ({
      byteMatchStatement: {
        fieldToMatch: { uriPath: {} },
        positionalConstraint: 'ENDS_WITH',
        searchString: suffix,
        textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
      },
    });
    const backChannel: wafv2.CfnWebACL.StatementProperty | undefined =
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

    const windowSeconds = props.windowSeconds ?? 300;
    const rateRule = (
      name: string,
      priority: number,
      limit: number,
      scopeDown: wafv2.CfnWebACL.StatementProperty | undefined,
    ): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      statement: {
        rateBasedStatement: {
          limit,
          aggregateKeyType: 'IP',
          evaluationWindowSec: windowSeconds,
          ...(scopeDown ? { scopeDownStatement: scopeDown } : {}),
        },
      },
      action: {
        block: {
          customResponse: {
            responseCode: 429,
            customResponseBodyKey: 'rate-limited',
            responseHeaders: [{ name: 'Retry-After', value: String(windowSeconds) }],
          },
        },
      },
      visibilityConfig: metric(`keyway-${name}`),
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
        rateRule('rate-limit-per-ip', 0, props.limitPerIp, backChannel && { notStatement: { statement: backChannel } }),
        ...(backChannel
          ? [
              rateRule(
                'rate-limit-per-ip-back-channel',
                1,
                props.backChannelLimitPerIp ?? props.limitPerIp * 10,
                backChannel,
              ),
            ]
          : []),
      ],
    });

    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
