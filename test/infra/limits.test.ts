import { Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  limiterPlans,
  type PlanDefinition,
  policiesFor,
  RateLimitPlansSchema,
  rateLimitPlansFor,
} from '../../lambdas/core/rate-limit/policies.ts';
import { PLANS } from '../../lambdas/core/store/tenants.ts';
import { isTenantScoped, routes } from '../../lambdas/routes.ts';
import type { Api } from '../../lib/api.ts';
import type { ConcurrencyConfig, PlanConfig, ThrottlingConfig } from '../../lib/config.ts';
import { ENVIRONMENT_LIMIT_BYTES, KeywayFunction } from '../../lib/keyway-function.ts';
import type { TenantAuthorizer } from '../../lib/tenant-authorizer.ts';
import { CDK_CONTEXT, findInRegion, resourceOf, synthesize } from './app.ts';

/*
 * The limits ops tune in cdk.json (docs/DEPLOY.md, limits and tuning): the plans, read by both the usage plans and the
 * application rate limiter; the stage method throttles; reserved concurrency. One region is enough: every region's
 * stack is built from the same context (test/infra/stacks.test.ts checks the three).
 */

const regions = { us: 'us-west-2' };
const synth = synthesize({ regions });
const stack = synth.stack('us');
const template = synth.template('us');
const api = stack.node.findChild('Api') as Api;
const authorizer = stack.node.findChild('TenantAuthorizer') as TenantAuthorizer;
const plans = CDK_CONTEXT.plans as Record<string, PlanConfig>;
const throttling = CDK_CONTEXT.throttling as ThrottlingConfig;

const environment = (fn: KeywayFunction) =>
  resourceOf(fn.function).Properties.Environment.Variables as Record<string, unknown>;

type MethodSetting = {
  HttpMethod: string;
  ResourcePath: string;
  ThrottlingRateLimit?: number;
  ThrottlingBurstLimit?: number;
  LoggingLevel?: string;
  MetricsEnabled?: boolean;
  DataTraceEnabled?: boolean;
};

function methodSettings(t: typeof template): MethodSetting[] {
  const [stage, ...others] = Object.values(t.findResources('AWS::ApiGateway::Stage'));
  expect(others).toHaveLength(0);
  return stage!.Properties.MethodSettings as MethodSetting[];
}

/** How a method is addressed in MethodSettings: the resource path with `/` escaped as `~1`. */
const settingKey = (path: string, method: string) => `${method} /${path.replaceAll('/', '~1')}`;

describe('plans: one definition for the usage plans and the application rate limiter', () => {
  const full = limiterPlans(plans as Record<string, PlanDefinition>);

  it("gives every tenant-scoped function RATE_LIMIT_PLANS with its own route's limits, and no other function", () => {
    for (const route of routes) {
      const env = environment(api.functions.get(route.id)!);
      if (!isTenantScoped(route)) {
        expect('RATE_LIMIT_PLANS' in env, route.id).toBe(false);
        continue;
      }
      const parsed = RateLimitPlansSchema.parse(JSON.parse(env.RATE_LIMIT_PLANS as string));
      expect(parsed, route.id).toEqual(rateLimitPlansFor(full, route.id));
      // What the limiter decides for this route is what the whole set would decide.
      for (const plan of PLANS)
        expect(policiesFor(parsed[plan]!, route.id)).toEqual(policiesFor(full[plan]!, route.id));
    }
    expect('RATE_LIMIT_PLANS' in environment(authorizer.handler)).toBe(false);
  });

  it('carries the plan rate, the methods overrides and perSource from cdk.json to the limiter', () => {
    const token = RateLimitPlansSchema.parse(
      JSON.parse(environment(api.functions.get('token')!).RATE_LIMIT_PLANS as string),
    );
    expect(token.free).toEqual({
      rate: 10,
      routes: { token: 5 },
      perSource: { token: { by: 'client', limit: 3, windowSeconds: 1 } },
    });
    const authorize = RateLimitPlansSchema.parse(
      JSON.parse(environment(api.functions.get('authorize')!).RATE_LIMIT_PLANS as string),
    );
    expect(authorize.enterprise?.perSource).toEqual({ authorize: { by: 'ip', limit: 1200, windowSeconds: 60 } });
  });

  it('scales the per-IP limits (device code entry, emailed codes and client registration included) ×5 on pro and ×20 on enterprise, and token per client 3 / 30 / 150 per second', () => {
    const { free, pro, enterprise } = plans as Record<'free' | 'pro' | 'enterprise', PlanConfig>;
    const ipRoutes = Object.entries(free.perSource).filter(([, limit]) => limit.by === 'ip');
    expect(ipRoutes.map(([id]) => id).sort()).toEqual([
      'authorize',
      'device-page',
      'email-code',
      'email-code-verify',
      'par',
      'passkey-authentication-options',
      'passkey-authentication-verify',
      'passkey-registration-options',
      'passkey-registration-verify',
      'register',
    ]);
    for (const [id, limit] of ipRoutes) {
      expect(pro.perSource[id], id).toEqual({ ...limit, limit: limit.limit * 5 });
      expect(enterprise.perSource[id], id).toEqual({ ...limit, limit: limit.limit * 20 });
    }
    expect([free, pro, enterprise].map((p) => p.perSource.token)).toEqual(
      [3, 30, 150].map((limit) => ({ by: 'client', limit, windowSeconds: 1 })),
    );
  });

  it('refuses a plan route id that names no tenant-scoped route, in methods and in perSource, all at once', () => {
    const free = plans.free!;
    const withFree = (changed: Partial<PlanConfig>) => ({ plans: { ...plans, free: { ...free, ...changed } } });
    expect(() => synthesize(withFree({ methods: { tokn: { rate: 1, burst: 1 } } }))).toThrow(
      /plans\.free\.methods: "tokn" is not a route id of lambdas\/routes\.ts/,
    );
    const wrong = withFree({
      methods: { 'admin-tenants': { rate: 1, burst: 1 } },
      perSource: { 'admin-tenants': { by: 'ip', limit: 1, windowSeconds: 60 }, autorize: free.perSource.authorize! },
    });
    expect(() => synthesize(wrong)).toThrow(
      /plans\.free\.methods: "admin-tenants" is not a tenant-scoped route[\s\S]*plans\.free\.perSource: "admin-tenants" is not a tenant-scoped route[\s\S]*plans\.free\.perSource: "autorize" is not a route id/,
    );
  });

  it('refuses a perSource limit the limiter cannot read', () => {
    const free = plans.free!;
    const bad = { ...free, perSource: { token: { by: 'email', limit: 3, windowSeconds: 1 } } };
    expect(() => synthesize({ plans: { ...plans, free: bad } })).toThrow(/plans\.free\.perSource\.token\.by/);
  });
});

describe('stage method throttles', () => {
  const settings = methodSettings(template);
  const byMethod = new Map(settings.map((s) => [`${s.HttpMethod} ${s.ResourcePath}`, s]));
  const logging = { LoggingLevel: 'ERROR', MetricsEnabled: true, DataTraceEnabled: false };

  it('throttles every method by default at throttling.stage, below the account limit (10,000 rps, burst 5,000)', () => {
    expect(throttling.stage).toEqual({ rate: 2000, burst: 1000 });
    expect(byMethod.get('* /*')).toEqual({
      HttpMethod: '*',
      ResourcePath: '/*',
      ThrottlingRateLimit: 2000,
      ThrottlingBurstLimit: 1000,
      ...logging,
    });
  });

  it('gives each method outside the usage plans the management throttle and each tenant-scoped OPTIONS the preflight one', () => {
    const expected = new Map<string, { rate: number; burst: number }>();
    for (const route of routes)
      for (const method of route.methods) {
        if (!isTenantScoped(route)) expected.set(settingKey(route.path, method), throttling.management);
        else if (method === 'OPTIONS') expected.set(settingKey(route.path, method), throttling.preflight);
      }
    expect([...expected.values()].filter((t) => t === throttling.preflight).length).toBeGreaterThan(0);
    expect([...expected.keys()]).toContain('GET /~1admin~1openapi.json');
    // Every other method (the tenant-scoped ones but OPTIONS) has no setting of its own: the stage default applies.
    expect([...byMethod.keys()].filter((k) => k !== '* /*').sort()).toEqual([...expected.keys()].sort());
    for (const [key, t] of expected) {
      expect(byMethod.get(key), key).toMatchObject({
        ThrottlingRateLimit: t.rate,
        ThrottlingBurstLimit: t.burst,
        // A method's own setting replaces the stage's for it: logging stays on, bodies stay out of the logs.
        ...logging,
      });
    }
    expect(throttling.management).toEqual({ rate: 5, burst: 10 });
    expect(throttling.preflight).toEqual({ rate: 500, burst: 250 });
  });

  it('refuses a plan override above the stage throttle, which limits every tenant of the method together', () => {
    expect(() => synthesize({ throttling: { stage: { rate: 200, burst: 400 } } })).toThrow(
      /plans\.enterprise\.methods\.token \(rate 250, burst 500\) exceeds throttling\.stage \(rate 200, burst 400\)/,
    );
    expect(() => synthesize({ throttling: { stage: { rate: 2000, burst: 0 } } })).toThrow(/throttling\.stage\.burst/);
    expect(() => synthesize({ throttling: { stage: { rate: 2000, burst: 1000, brust: 1 } } })).toThrow(/brust/);
  });
});

describe('reserved concurrency', () => {
  const reserved = (s: Stack) =>
    Object.entries(findInRegion(s, 'AWS::Lambda::Function'))
      .filter(([, fn]) => fn.Properties.ReservedConcurrentExecutions !== undefined)
      .map(([, fn]) => [fn.Properties.Description, fn.Properties.ReservedConcurrentExecutions]);

  it('reserves nothing for the authorizer or any route by default (a fresh account can deploy): only the provisioner', () => {
    expect((CDK_CONTEXT.concurrency as ConcurrencyConfig).reserved).toEqual({});
    expect(reserved(stack)).toEqual([[expect.stringMatching(/usage-plan provisioner/), 1]]);
  });

  it('refuses a reservation of 0, a name that is no function, and more than the account can spare', () => {
    const concurrency = (value: unknown) => () => synthesize({ concurrency: value });
    expect(concurrency({ reserved: { token: 0 } })).toThrow(/leave the function out to keep it unreserved/);
    expect(concurrency({ reserved: { tokn: 10 } })).toThrow(/concurrency\.reserved: "tokn" is not a route id/);
    expect(concurrency({ reserved: { authorizer: 400, token: 500 } })).toThrow(
      /901 reserved executions .* leave fewer than 100 of concurrency\.accountLimit 1000 unreserved/,
    );
    expect(concurrency({ reserved: { token: 50 }, accountLimit: 150 })).toThrow(/accountLimit 150/);
  });
});

describe('limits from context', () => {
  const custom = synthesize({
    regions,
    throttling: {
      stage: { rate: 1500, burst: 600 },
      management: { rate: 2, burst: 4 },
      preflight: { rate: 50, burst: 25 },
    },
    concurrency: { reserved: { authorizer: 20, token: 40 }, accountLimit: 1000 },
  });
  const customStack = custom.stack('us');
  const customApi = customStack.node.findChild('Api') as Api;
  const settings = new Map(methodSettings(custom.template('us')).map((s) => [`${s.HttpMethod} ${s.ResourcePath}`, s]));

  it('reads the stage, management and preflight throttles from throttling', () => {
    expect(settings.get('* /*')).toMatchObject({ ThrottlingRateLimit: 1500, ThrottlingBurstLimit: 600 });
    expect(settings.get('POST /~1admin~1tenants')).toMatchObject({ ThrottlingRateLimit: 2, ThrottlingBurstLimit: 4 });
    expect(settings.get('OPTIONS /~1{tenantId}~1token')).toMatchObject({
      ThrottlingRateLimit: 50,
      ThrottlingBurstLimit: 25,
    });
  });

  it('reserves concurrency.reserved for the authorizer and the named routes only', () => {
    const customAuthorizer = customStack.node.findChild('TenantAuthorizer') as TenantAuthorizer;
    expect(resourceOf(customAuthorizer.handler.function).Properties.ReservedConcurrentExecutions).toBe(20);
    for (const route of routes) {
      const fn = resourceOf(customApi.functions.get(route.id)!.function);
      expect(fn.Properties.ReservedConcurrentExecutions, route.id).toBe(route.id === 'token' ? 40 : undefined);
    }
  });
});

describe('function environment', () => {
  it(`refuses more environment than Lambda's ${ENVIRONMENT_LIMIT_BYTES} bytes at synth, not at deploy`, () => {
    const make = (bytes: number) => () =>
      new KeywayFunction(new Stack(), 'Large', {
        entry: routes[0]!.entry,
        description: 'refused',
        environment: { LARGE: 'x'.repeat(bytes) },
      });
    expect(make(ENVIRONMENT_LIMIT_BYTES)).toThrow(/Lambda allows 4096/);
  });
});
