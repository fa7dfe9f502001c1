import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';
import type { Plan } from '../lambdas/core/store/tenants.ts';
import type { Api } from './api.ts';
import type { PlanConfig } from './config.ts';

export interface UsagePlansProps {
  readonly api: Api;
  /** Rate, burst, quota and per-route overrides per plan (cdk.json context `plans`). */
  readonly plans: Readonly<Record<Plan, PlanConfig>>;
}

/**
 * One API Gateway usage plan per Keyway plan. Each tenant's API key (created by the ApiKeyProvisioner) sits in
 * its plan's usage plan, so rate, burst and quota apply per tenant; per-route overrides (token, authorize) apply
 * per tenant per method. Clients never see a key: the tenant authorizer returns it as `usageIdentifierKey`.
 */
export class UsagePlans extends Construct {
  readonly usagePlans: ReadonlyMap<Plan, apigw.UsagePlan>;

  constructor(scope: Construct, id: string, props: UsagePlansProps) {
    super(scope, id);
    const usagePlans = new Map<Plan, apigw.UsagePlan>();
    for (const [plan, config] of Object.entries(props.plans) as [Plan, PlanConfig][]) {
      const throttle: apigw.ThrottlingPerMethod[] = [];
      for (const [routeId, override] of Object.entries(config.methods)) {
        // readConfig refuses an id that names no tenant-scoped route.
        for (const method of props.api.methods.get(routeId)!) {
          if (method.httpMethod === 'OPTIONS') continue; // preflights stay on the plan's own limits
          throttle.push({ method, throttle: { rateLimit: override.rate, burstLimit: override.burst } });
        }
      }
      usagePlans.set(
        plan,
        props.api.restApi.addUsagePlan(`Plan-${plan}`, {
          name: `keyway-${plan}`,
          description: `Keyway ${plan} plan: limits per tenant`,
          throttle: { rateLimit: config.rate, burstLimit: config.burst },
          quota: { limit: config.quota.limit, period: apigw.Period[config.quota.period] },
          apiStages: [{ api: props.api.restApi, stage: props.api.stage, throttle }],
        }),
      );
    }
    this.usagePlans = usagePlans;
  }
}
