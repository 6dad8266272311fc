// SAM <-> CDK parity: infra/template.yaml and the CDK-synthesized template must declare the
// same functions (by binary), HTTP and WebSocket routes, integrations, ManageConnections grants,
// secret grants, environment variables (names, and values with parameters at their defaults),
// WebSocket invoke permissions, the migrations custom resource, the SPA distribution's cache
// behaviors and the security headers (response headers policy) each one sends, the CloudWatch
// alarms (metric, namespace, statistic, threshold, comparison, periods, actions), the dashboard
// (its widgets and the series each charts), and the outputs.
//
// Run after `cdk synth` (.ci/infra does both):  node --test test/
// CDK_TEMPLATE=path overrides the synthesized template (default cdk.out/ChatStack.template.json).
// SAM_PARAMETERS="Name=value Name=value" evaluates the SAM template with those parameter values
// (for a CDK template synthesized with the matching -c context, e.g. the dev profile).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { buildModel, diffModels, loadTemplate } from './model.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const METRICS_RS = path.resolve(here, '..', '..', '..', 'shared', 'src', 'metrics.rs');
const SAM_TEMPLATE = path.resolve(here, '..', '..', 'template.yaml');
const ROUTES_JSON = path.resolve(here, '..', '..', 'routes.json');
const CDK_TEMPLATE = path.resolve(process.env.CDK_TEMPLATE ?? path.join(here, '..', 'cdk.out', 'ChatStack.template.json'));

if (!fs.existsSync(CDK_TEMPLATE)) {
  throw new Error(`${CDK_TEMPLATE} not found: run \`npx cdk synth --no-notices\` in infra/cdk first (or set CDK_TEMPLATE)`);
}
const samTemplate = loadTemplate(SAM_TEMPLATE);
const cdkTemplate = loadTemplate(CDK_TEMPLATE);
const samParameters = Object.fromEntries((process.env.SAM_PARAMETERS ?? '').split(/\s+/).filter(Boolean)
  .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const sam = buildModel(samTemplate, samParameters);
const cdk = buildModel(cdkTemplate);

// The contract with the Rust side (functions/*, shared/AWS-RULES.md).
const BINARIES = ['auth', 'messages', 'migrate', 'rooms', 'ws-connect', 'ws-disconnect', 'ws-message'];
const BROADCASTERS = ['messages', 'rooms', 'ws-connect', 'ws-disconnect', 'ws-message'];
const ENV_EVERYWHERE = ['BCRYPT_COST', 'CORS_ALLOWED_ORIGINS', 'DATABASE_HOST', 'DATABASE_NAME', 'DATABASE_SECRET_ARN',
  'DB_MAX_CONNECTIONS', 'JWT_SECRET_ARN', 'JWT_TTL_SECONDS', 'METRICS_NAMESPACE', 'RATE_LIMIT_MESSAGES',
  'RATE_LIMIT_WINDOW_SECONDS', 'RUST_LOG'];
// The route table CDK builds from and local-dev forwards by: SAM must declare exactly these.
const ROUTES = JSON.parse(fs.readFileSync(ROUTES_JSON, 'utf8'));
const HTTP_ROUTES = ROUTES.http;
const WS_ROUTES = ROUTES.websocket;
// What CloudFront sends with every SPA response (infra/README.md; local-dev sends the same CSP
// with connect-src 'self'). The HTTP API is named as any execute-api host of the region: its id
// would close a dependency cycle through its CORS origin (the distribution's domain).
const EXECUTE_API = 'execute-api.${AWS::Region}.${AWS::URLSuffix}';
const CSP = ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
  `connect-src 'self' https://*.${EXECUTE_API} wss://{Ref:AWS::ApiGatewayV2::Api(WEBSOCKET)}.${EXECUTE_API}`,
  "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'"].join('; ');
const SECURITY_HEADERS = {
  ContentSecurityPolicy: { ContentSecurityPolicy: CSP, Override: 'true' },
  StrictTransportSecurity: { AccessControlMaxAgeSec: '63072000', IncludeSubdomains: 'true', Override: 'true' },
  ContentTypeOptions: { Override: 'true' },
  FrameOptions: { FrameOption: 'DENY', Override: 'true' },
  ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: 'true' },
};
const SPA_BEHAVIORS = ['*', '/config.json', '/index.html'];

// The EMF metrics the functions print (shared/src/metrics.rs; docs/deploy.md says what each
// counts), all with the one dimension Service=chat. Each name must still be in metrics.rs, so a
// metric renamed there fails here instead of leaving a dashboard line and an alarm on nothing.
const metricsRs = fs.readFileSync(METRICS_RS, 'utf8');
const EMF_METRICS = ['ConnectionsClosed', 'ConnectionsOpened', 'FanOutDuration', 'FanOutSize', 'MessagesPosted',
  'PostsDelivered', 'PostsFailed', 'PostsGone', 'RateLimited'];
const SERVICE = 'chat';
const EMF_NAMESPACE = 'Chat/${AWS::StackName}';
const fnRef = (bin) => `{Ref:AWS::Lambda::Function(${bin})}`;
const REQUEST_FUNCTIONS = ['auth', 'messages', 'rooms', 'ws-connect', 'ws-disconnect', 'ws-message'];
// docs/deploy.md explains each threshold.
const ALARMS = {
  ...Object.fromEntries(REQUEST_FUNCTIONS.map((bin) => [`Errors{FunctionName=${fnRef(bin)}}`, {
    namespace: 'AWS/Lambda', statistic: 'Sum', extendedStatistic: null, period: '300', evaluationPeriods: '1',
    datapointsToAlarm: '1', threshold: '1', comparison: 'GreaterThanOrEqualToThreshold',
  }])),
  [`PostsFailed{Service=${SERVICE}}`]: {
    namespace: EMF_NAMESPACE, statistic: 'Sum', extendedStatistic: null, period: '300', evaluationPeriods: '1',
    datapointsToAlarm: '1', threshold: '10', comparison: 'GreaterThanOrEqualToThreshold',
  },
  [`FanOutDuration{Service=${SERVICE}}`]: {
    namespace: EMF_NAMESPACE, statistic: null, extendedStatistic: 'p99', period: '300', evaluationPeriods: '3',
    datapointsToAlarm: '3', threshold: '2000', comparison: 'GreaterThanThreshold',
  },
  [`RateLimited{Service=${SERVICE}}`]: {
    namespace: EMF_NAMESPACE, statistic: 'Sum', extendedStatistic: null, period: '300', evaluationPeriods: '1',
    datapointsToAlarm: '1', threshold: '500', comparison: 'GreaterThanOrEqualToThreshold',
  },
};
// Every alarm notifies AlarmTopicArn (SAM parameter, CDK context alarmTopicArn) when one is given.
const ALARM_ACTIONS = samParameters.AlarmTopicArn ? [samParameters.AlarmTopicArn] : [];

const sorted = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
const pick = (model, key) => sorted(model[key]);

describe('SAM and CDK declare the same stack', () => {
  test('same functions, by binary', () => {
    assert.deepEqual(Object.keys(cdk.functions).sort(), Object.keys(sam.functions).sort());
  });

  test('same environment variable names per function', () => {
    for (const bin of Object.keys(sam.functions)) {
      assert.deepEqual(cdk.functions[bin]?.envNames, sam.functions[bin].envNames, `env names of ${bin}`);
    }
  });

  test('same environment variable values per function (parameters at their defaults)', () => {
    for (const bin of Object.keys(sam.functions)) {
      assert.deepEqual(cdk.functions[bin]?.env, sam.functions[bin].env, `env of ${bin}`);
    }
  });

  test('same runtime settings per function', () => {
    const settings = (m) => Object.fromEntries(Object.entries(m.functions).map(([bin, f]) => {
      const { env: _env, envNames: _names, ...rest } = f;
      return [bin, rest];
    }));
    assert.deepEqual(settings(cdk), settings(sam));
  });

  test('same HTTP routes to the same functions', () => {
    assert.deepEqual(pick(cdk, 'httpRoutes'), pick(sam, 'httpRoutes'));
  });

  test('same WebSocket routes to the same functions', () => {
    assert.deepEqual(pick(cdk, 'wsRoutes'), pick(sam, 'wsRoutes'));
  });

  test('same integrations (type, payload format)', () => {
    assert.deepEqual(cdk.integrations, sam.integrations);
  });

  test('same WebSocket API and stage settings', () => {
    assert.deepEqual(cdk.websocket, sam.websocket);
    assert.deepEqual(cdk.wsStages, sam.wsStages);
  });

  test('same execute-api:ManageConnections grants', () => {
    assert.deepEqual(pick(cdk, 'manageConnections'), pick(sam, 'manageConnections'));
  });

  test('same Secrets Manager read grants', () => {
    assert.deepEqual(pick(cdk, 'secretReads'), pick(sam, 'secretReads'));
  });

  test('same WebSocket invoke permissions', () => {
    assert.deepEqual(pick(cdk, 'wsInvokePermissions'), pick(sam, 'wsInvokePermissions'));
  });

  test('same custom resources served by our functions', () => {
    assert.deepEqual(cdk.customResources, sam.customResources);
  });

  test('same database and NAT shape', () => {
    assert.deepEqual(cdk.database, sam.database);
    assert.deepEqual(cdk.network, sam.network);
  });

  test('same SPA cache behaviors and response headers policy on each', () => {
    assert.deepEqual(cdk.site, sam.site);
  });

  test('same alarms (metric, namespace, statistic, threshold, comparison, periods, actions)', () => {
    assert.deepEqual(pick(cdk, 'alarms'), pick(sam, 'alarms'));
  });

  test('same dashboard: name, layout, and the series each widget charts', () => {
    assert.deepEqual(cdk.dashboards, sam.dashboards);
  });

  test('same outputs', () => {
    assert.deepEqual(cdk.outputs, sam.outputs);
  });

  test('no difference at all', () => {
    assert.deepEqual(diffModels(sam, cdk), []);
  });
});

for (const [side, model] of [['SAM', sam], ['CDK', cdk]]) {
  describe(`${side} template honours the Rust-side contract`, () => {
    test('the seven functions: arm64, provided.al2023, bootstrap, in the VPC, own log group', () => {
      assert.deepEqual(Object.keys(model.functions).sort(), BINARIES);
      for (const [bin, f] of Object.entries(model.functions)) {
        assert.deepEqual(f.architectures, ['arm64'], bin);
        assert.equal(f.runtime, 'provided.al2023', bin);
        assert.equal(f.handler, 'bootstrap', bin);
        assert.equal(f.inVpc, true, bin);
        assert.equal(f.ownLogGroup, true, bin);
        assert.equal(f.logFormat, 'JSON', `${bin} logs JSON lines`);
      }
    });

    test('no function filters out INFO application logs (Lambda files an EMF line, which has no "level", under INFO)', () => {
      for (const [bin, f] of Object.entries(model.functions)) {
        assert.ok([null, 'TRACE', 'DEBUG', 'INFO'].includes(f.applicationLogLevel), `${bin}: ${f.applicationLogLevel}`);
      }
    });

    test('every function prints its EMF metrics under Chat/<stack name>', () => {
      for (const [bin, f] of Object.entries(model.functions)) assert.equal(f.env.METRICS_NAMESPACE, EMF_NAMESPACE, bin);
    });

    test('alarms: the six request functions\' errors, failed posts, slow fan-outs, rate limiting; all notify the topic', () => {
      assert.deepEqual(Object.keys(model.alarms).sort(), Object.keys(ALARMS).sort());
      for (const [key, alarm] of Object.entries(model.alarms)) {
        const { description: _d, metricName: _m, dimensions: _dims, treatMissingData, actions, okActions, insufficientDataActions, ...rest } = alarm;
        assert.deepEqual(rest, ALARMS[key], key);
        assert.equal(treatMissingData, 'notBreaching', `${key}: no data (nothing happened) is fine`);
        assert.deepEqual(actions, ALARM_ACTIONS, key);
        assert.deepEqual([okActions, insufficientDataActions], [[], []], key);
      }
    });

    test('one dashboard, named after stack and region, charting every EMF metric of shared/src/metrics.rs', () => {
      for (const name of EMF_METRICS) assert.ok(metricsRs.includes(`"${name}"`), `${name} is not in shared/src/metrics.rs`);
      assert.match(metricsRs, /"Dimensions": \[\["Service"\]\]/);
      assert.match(metricsRs, new RegExp(`const SERVICE: &str = "${SERVICE}"`));
      assert.equal(model.dashboards.length, 1);
      const [dashboard] = model.dashboards;
      assert.equal(dashboard.name, '${AWS::StackName}-${AWS::Region}');
      const series = dashboard.widgets.flatMap((w) => w.series ?? []);
      const charted = new Set(series.filter((s) => s.namespace === EMF_NAMESPACE).map((s) => s.metricName));
      assert.deepEqual([...charted].sort(), EMF_METRICS);
      for (const s of series.filter((x) => x.namespace === EMF_NAMESPACE)) {
        assert.deepEqual(s.dimensions, { Service: SERVICE }, s.metricName);
      }
      for (const metric of ['Errors', 'Duration']) {
        const fns = series.filter((s) => s.namespace === 'AWS/Lambda' && s.metricName === metric).map((s) => s.dimensions.FunctionName);
        assert.deepEqual(fns.sort(), REQUEST_FUNCTIONS.map(fnRef).sort(), `Lambda ${metric} per function`);
      }
      for (const w of dashboard.widgets.filter((x) => x.type === 'metric')) assert.equal(w.region, '${AWS::Region}', w.title);
    });

    test('every function gets the shared configuration; broadcasters get WEBSOCKET_API_ENDPOINT', () => {
      for (const [bin, f] of Object.entries(model.functions)) {
        const expected = [...ENV_EVERYWHERE, ...(BROADCASTERS.includes(bin) ? ['WEBSOCKET_API_ENDPOINT'] : [])].sort();
        assert.deepEqual(f.envNames, expected, bin);
        assert.equal(f.env.DB_MAX_CONNECTIONS, '1', bin);
      }
      for (const bin of BROADCASTERS) {
        assert.match(model.functions[bin].env.WEBSOCKET_API_ENDPOINT,
          /^https:\/\/\{Ref:AWS::ApiGatewayV2::Api\(WEBSOCKET\)\}\.execute-api\.\$\{AWS::Region\}\.\$\{AWS::URLSuffix\}\/prod$/, bin);
      }
    });

    test('routes as in infra/routes.json', () => {
      assert.deepEqual(sorted(model.httpRoutes), sorted(HTTP_ROUTES));
      assert.deepEqual(sorted(model.wsRoutes), sorted(WS_ROUTES));
      assert.deepEqual(model.websocket, [{ routeSelectionExpression: '$request.body.action' }]);
      assert.equal(model.wsStages.length, 1);
      assert.equal(model.wsStages[0].autoDeploy, true);
      assert.equal(model.wsStages[0].throttled, true);
    });

    test('ManageConnections only for the broadcasters, only @connections on the stage (POST, GET, DELETE)', () => {
      assert.deepEqual(Object.keys(model.manageConnections).sort(), BROADCASTERS);
      for (const [bin, resources] of Object.entries(model.manageConnections)) {
        assert.deepEqual(resources, [
          'arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:{Ref:AWS::ApiGatewayV2::Api(WEBSOCKET)}/prod/*/@connections/*',
        ], bin);
      }
    });

    test('every function reads the DB credentials and the JWT key', () => {
      for (const bin of BINARIES) assert.deepEqual(model.secretReads[bin], ['db-credentials', 'generated-key'], bin);
    });

    test('the WebSocket functions may be invoked by the WebSocket API', () => {
      assert.deepEqual(Object.keys(model.wsInvokePermissions).sort(), ['ws-connect', 'ws-disconnect', 'ws-message']);
    });

    test('MySQL 8, encrypted, private; one NAT', () => {
      assert.equal(model.database.engine, 'mysql');
      assert.match(model.database.engineVersion, /^8\./);
      assert.equal(model.database.storageEncrypted, true);
      assert.equal(model.database.publiclyAccessible, false);
      assert.equal(model.network.natGateways + model.network.natInstances, 1);
    });

    test('migrations run on deploy through the migrate function', () => {
      assert.equal(model.customResources['Custom::Migrations']?.fn, 'migrate');
    });

    test('every SPA behavior sends the security headers (CSP naming the APIs, HSTS, nosniff, DENY, referrer policy)', () => {
      assert.equal(model.site.distributions.length, 1);
      assert.equal(model.site.responseHeadersPolicies.length, 1);
      const { behaviors } = model.site.distributions[0];
      assert.deepEqual(Object.keys(behaviors), SPA_BEHAVIORS);
      for (const [pattern, behavior] of Object.entries(behaviors)) {
        assert.equal(behavior.viewerProtocolPolicy, 'redirect-to-https', pattern);
        assert.deepEqual(behavior.responseHeadersPolicy?.SecurityHeadersConfig, SECURITY_HEADERS, pattern);
      }
    });
  });
}

describe('SAM alarm actions', () => {
  test('every alarm notifies AlarmTopicArn through the HasAlarmTopic condition', () => {
    assert.deepEqual(samTemplate.Conditions.HasAlarmTopic, { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AlarmTopicArn' }, ''] }] });
    const alarms = Object.entries(samTemplate.Resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm');
    assert.equal(alarms.length, Object.keys(ALARMS).length);
    for (const [id, r] of alarms) {
      assert.deepEqual(r.Properties.AlarmActions,
        { 'Fn::If': ['HasAlarmTopic', [{ Ref: 'AlarmTopicArn' }], { Ref: 'AWS::NoValue' }] }, id);
    }
  });
});

// The comparison itself must notice drift on either side.
describe('parity check detects drift', () => {
  const clone = (t) => structuredClone(t);
  const resourceOf = (t, pred) => Object.values(t.Resources).find(pred);
  const samFn = (t, bin) => resourceOf(t, (r) => r.Metadata?.BuildProperties?.Binary === bin);
  const cdkFn = (t, bin) => resourceOf(t, (r) => r.Metadata?.ChatBinary === bin);
  const drifted = (samT, cdkT) => diffModels(buildModel(samT, samParameters), buildModel(cdkT));

  test('a route removed from SAM', () => {
    const t = clone(samTemplate);
    delete samFn(t, 'rooms').Properties.Events.JoinRoom;
    assert.ok(drifted(t, cdkTemplate).some((d) => d.includes('POST /api/rooms/{id}/join')));
  });

  test('a WebSocket route pointed at another function in CDK', () => {
    const t = clone(cdkTemplate);
    const route = resourceOf(t, (r) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties.RouteKey === '$disconnect');
    const other = resourceOf(t, (r) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties.RouteKey === '$connect');
    route.Properties.Target = other.Properties.Target;
    assert.ok(drifted(samTemplate, t).some((d) => d.startsWith('wsRoutes.$disconnect')));
  });

  test('an environment variable renamed in CDK', () => {
    const t = clone(cdkTemplate);
    const vars = cdkFn(t, 'messages').Properties.Environment.Variables;
    vars.WEBSOCKET_ENDPOINT = vars.WEBSOCKET_API_ENDPOINT;
    delete vars.WEBSOCKET_API_ENDPOINT;
    assert.ok(drifted(samTemplate, t).some((d) => d.startsWith('functions.messages.envNames')));
  });

  test('an environment variable added to SAM Globals', () => {
    const t = clone(samTemplate);
    t.Globals.Function.Environment.Variables.EXTRA = 'x';
    assert.ok(drifted(t, cdkTemplate).some((d) => d.includes('EXTRA')));
  });

  test('a ManageConnections grant dropped from SAM', () => {
    const t = clone(samTemplate);
    const fn = samFn(t, 'ws-message');
    fn.Properties.Policies = fn.Properties.Policies.filter((p) => !p.Statement);
    assert.ok(drifted(t, cdkTemplate).some((d) => d.includes('manageConnections.ws-message')));
  });

  test('a ManageConnections grant widened in CDK', () => {
    const t = clone(cdkTemplate);
    const pol = resourceOf(t, (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r).includes('ManageConnections'));
    const stmt = pol.Properties.PolicyDocument.Statement.find((s) => s.Action === 'execute-api:ManageConnections');
    stmt.Resource = '*';
    assert.ok(drifted(samTemplate, t).some((d) => d.startsWith('manageConnections.')));
  });

  test('a function binary renamed in CDK', () => {
    const t = clone(cdkTemplate);
    cdkFn(t, 'ws-connect').Metadata.ChatBinary = 'ws-open';
    assert.ok(drifted(samTemplate, t).length > 0);
  });

  test('the MySQL version changed in CDK', () => {
    const t = clone(cdkTemplate);
    resourceOf(t, (r) => r.Type === 'AWS::RDS::DBInstance').Properties.EngineVersion = '8.0.40';
    assert.ok(drifted(samTemplate, t).some((d) => d.startsWith('database.engineVersion')));
  });

  test('a CloudFront behavior without the security headers in CDK', () => {
    const t = clone(cdkTemplate);
    const dist = resourceOf(t, (r) => r.Type === 'AWS::CloudFront::Distribution');
    delete dist.Properties.DistributionConfig.CacheBehaviors.find((b) => b.PathPattern === '/index.html').ResponseHeadersPolicyId;
    assert.ok(drifted(samTemplate, t).some((d) => d.startsWith('site.distributions')));
  });

  test('the Content-Security-Policy changed in SAM', () => {
    const t = clone(samTemplate);
    const csp = t.Resources.SiteResponseHeadersPolicy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy;
    csp.ContentSecurityPolicy = { 'Fn::Sub': csp.ContentSecurityPolicy['Fn::Sub'].replace("script-src 'self'", "script-src 'self' 'unsafe-inline'") };
    assert.ok(drifted(t, cdkTemplate).some((d) => d.startsWith('site.')));
  });

  test('an alarm threshold changed in CDK', () => {
    const t = clone(cdkTemplate);
    resourceOf(t, (r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.MetricName === 'PostsFailed').Properties.Threshold = 11;
    assert.ok(drifted(samTemplate, t).some((d) => d.startsWith(`alarms.PostsFailed{Service=${SERVICE}}.threshold`)));
  });

  test('the fan-out alarm\'s percentile changed in SAM', () => {
    const t = clone(samTemplate);
    t.Resources.FanOutSlowAlarm.Properties.ExtendedStatistic = 'p95';
    assert.ok(drifted(t, cdkTemplate).some((d) => d.startsWith(`alarms.FanOutDuration{Service=${SERVICE}}.extendedStatistic`)));
  });

  test('an EMF alarm on the default namespace in CDK', () => {
    const t = clone(cdkTemplate);
    resourceOf(t, (r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.MetricName === 'RateLimited').Properties.Namespace = 'ServerlessChat';
    assert.ok(drifted(samTemplate, t).some((d) => d.startsWith(`alarms.RateLimited{Service=${SERVICE}}.namespace`)));
  });

  test('alarm actions that differ (another topic on one side)', () => {
    const other = { ...samParameters, AlarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:someone-else' };
    assert.ok(diffModels(buildModel(samTemplate, other), buildModel(cdkTemplate)).some((d) => d.endsWith('.actions') || d.includes('.actions:')));
  });

  test('a series dropped from the SAM dashboard', () => {
    const t = clone(samTemplate);
    const body = t.Resources.Dashboard.Properties.DashboardBody;
    const row = /\n\s*\["Chat\/\$\{AWS::StackName\}", "FanOutDuration", "Service", "chat", \{"stat": "p99", "label": "p99"\}\],/;
    assert.match(body['Fn::Sub'], row);
    body['Fn::Sub'] = body['Fn::Sub'].replace(row, '');
    assert.ok(drifted(t, cdkTemplate).some((d) => d.startsWith('dashboards')));
  });

  test('the integration type changed in SAM', () => {
    const t = clone(samTemplate);
    t.Resources.WsMessageIntegration.Properties.IntegrationType = 'AWS';
    assert.ok(drifted(t, cdkTemplate).some((d) => d.startsWith('integrations.WEBSOCKET.ws-message')));
  });
});
