// Reads a CloudFormation template (the SAM source template or the CDK-synthesized one) and
// reduces it to the deployment "model" both must agree on: functions by binary, their settings
// and environment, HTTP and WebSocket routes with their integrations, ManageConnections and
// secret grants, WebSocket invoke permissions, custom resources, the SPA distribution's cache
// behaviors with the response headers policy each sends, CloudWatch alarms and dashboards (the
// series each widget charts), and outputs.
import fs from 'node:fs';
import YAML from 'yaml';

// ------------------------------------------------------------------ YAML with CFN short tags
const FN_TAGS = ['Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split',
  'Sub', 'Transform', 'And', 'Equals', 'If', 'Not', 'Or', 'Length', 'ToJsonString'];

function cfnTags() {
  const tags = [];
  const add = (tag, build) => {
    for (const collection of [undefined, 'seq', 'map']) {
      tags.push({
        tag,
        ...(collection ? { collection } : {}),
        resolve: (value) => build(typeof value === 'object' && value !== null && 'toJSON' in value ? value.toJSON() : value),
      });
    }
  };
  add('!Ref', (v) => ({ Ref: v }));
  add('!Condition', (v) => ({ Condition: v }));
  add('!GetAtt', (v) => {
    if (typeof v !== 'string') return { 'Fn::GetAtt': v };
    const i = v.indexOf('.');
    return { 'Fn::GetAtt': [v.slice(0, i), v.slice(i + 1)] };
  });
  for (const fn of FN_TAGS) add(`!${fn}`, (v) => ({ [`Fn::${fn}`]: v }));
  return tags;
}

export function loadTemplate(file) {
  const text = fs.readFileSync(file, 'utf8');
  if (file.endsWith('.json')) return JSON.parse(text);
  const doc = YAML.parseDocument(text, { customTags: cfnTags(), uniqueKeys: true });
  if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
  return doc.toJS({ maxAliasCount: -1 });
}

// ------------------------------------------------------------------ intrinsic helpers
const isObj = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const PSEUDO = new Set(['AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition',
  'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix']);

/** Logical ids an expression refers to (Ref, GetAtt, ${X} / ${X.Attr} in Sub). */
export function refsIn(expr, out = new Set()) {
  if (Array.isArray(expr)) { expr.forEach((e) => refsIn(e, out)); return out; }
  if (!isObj(expr)) return out;
  for (const [k, v] of Object.entries(expr)) {
    if (k === 'Ref' && typeof v === 'string') out.add(v);
    else if (k === 'Fn::GetAtt') out.add(Array.isArray(v) ? v[0] : String(v).split('.')[0]);
    else if (k === 'Fn::Sub') {
      const [str, vars] = Array.isArray(v) ? v : [v, {}];
      for (const m of String(str).matchAll(/\$\{([^!}][^}]*)\}/g)) {
        const name = m[1].split('.')[0];
        if (!(vars && name in vars)) out.add(name);
      }
      if (vars) refsIn(vars, out);
    } else refsIn(v, out);
  }
  return out;
}

class Renderer {
  /** `binaryOf`: logical id -> binary, to name our functions by binary (alarm and dashboard dimensions). */
  constructor(t, overrides = {}, binaryOf = {}) {
    this.t = t;
    this.params = t.Parameters ?? {};
    this.overrides = overrides;
    this.binaryOf = binaryOf;
    this.conditions = t.Conditions ?? {};
    this.resources = t.Resources ?? {};
  }

  label(id) {
    const r = this.resources[id];
    if (!r) return id;
    if (id in this.binaryOf) return `AWS::Lambda::Function(${this.binaryOf[id]})`;
    if (r.Type === 'AWS::ApiGatewayV2::Api') return `${r.Type}(${r.Properties?.ProtocolType})`;
    if (r.Type === 'AWS::Serverless::HttpApi') return 'AWS::ApiGatewayV2::Api(HTTP)';
    if (r.Type === 'AWS::Serverless::Function') return 'AWS::Lambda::Function';
    return r.Type;
  }

  ref(name) {
    if (PSEUDO.has(name)) return `\${${name}}`;
    if (name in this.params) {
      if (name in this.overrides) return String(this.overrides[name]);
      const d = this.params[name].Default;
      return d === undefined ? `{Param:${name}}` : String(d);
    }
    return `{Ref:${this.label(name)}}`;
  }

  getAtt(id, attr) {
    return `{GetAtt:${this.label(id)}.${attr}}`;
  }

  condition(name) {
    return this.truthy(this.conditions[name]);
  }

  truthy(c) {
    if (isObj(c)) {
      if ('Fn::Equals' in c) { const [a, b] = c['Fn::Equals']; return this.render(a) === this.render(b); }
      if ('Fn::Not' in c) return !this.truthy(c['Fn::Not'][0]);
      if ('Fn::And' in c) return c['Fn::And'].every((x) => this.truthy(x));
      if ('Fn::Or' in c) return c['Fn::Or'].some((x) => this.truthy(x));
      if ('Condition' in c) return this.condition(c.Condition);
    }
    throw new Error(`cannot evaluate condition ${JSON.stringify(c)}`);
  }

  /** Renders an expression to a comparable value: strings for scalars, parameters replaced by their defaults. */
  render(e) {
    if (e === null || e === undefined) return e;
    if (typeof e !== 'object') return String(e);
    if (Array.isArray(e)) return e.map((x) => this.render(x)).filter((x) => x !== undefined);
    const keys = Object.keys(e);
    if (keys.length === 1) {
      const [k] = keys; const v = e[k];
      switch (k) {
        case 'Ref': return v === 'AWS::NoValue' ? undefined : this.ref(v);
        case 'Fn::GetAtt': { const [id, attr] = Array.isArray(v) ? v : [v.split('.')[0], v.split('.').slice(1).join('.')]; return this.getAtt(id, attr); }
        case 'Fn::Join': { const parts = this.render(v[1]); return Array.isArray(parts) ? parts.join(this.render(v[0])) : `{Join:${parts}}`; }
        case 'Fn::Sub': {
          const [str, vars] = Array.isArray(v) ? v : [v, {}];
          return String(str).replace(/\$\{([^}]+)\}/g, (m, name) => {
            if (name.startsWith('!')) return `\${${name.slice(1)}}`;
            if (vars && name in vars) return this.render(vars[name]);
            if (PSEUDO.has(name)) return `\${${name}}`;
            const dot = name.indexOf('.');
            return dot > 0 ? this.getAtt(name.slice(0, dot), name.slice(dot + 1)) : this.ref(name);
          });
        }
        case 'Fn::If': return this.condition(v[0]) ? this.render(v[1]) : this.render(v[2]);
        case 'Fn::Split': { const s = this.render(v[1]); return typeof s === 'string' ? s.split(this.render(v[0])) : s; }
        case 'Fn::Select': { const list = this.render(v[1]); return Array.isArray(list) ? list[Number(this.render(v[0]))] : `{Select:${list}}`; }
        default: break;
      }
    }
    return Object.fromEntries(keys.map((k) => [k, this.render(e[k])]));
  }
}

const asList = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
/** Objects with their keys sorted, at every depth (CDK and SAM write properties in different orders). */
const canonical = (v) => (Array.isArray(v) ? v.map(canonical)
  : isObj(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])])) : v);

// ------------------------------------------------------------------ model
/** `overrides`: parameter values to use instead of the defaults (like `sam deploy --parameter-overrides`). */
export function buildModel(t, overrides = {}) {
  for (const name of Object.keys(overrides)) {
    if (!(name in (t.Parameters ?? {}))) throw new Error(`no parameter ${name} to override`);
  }
  const r = new Renderer(t, overrides);
  // Resources whose Condition is false (with these parameter values) do not exist.
  const R = Object.fromEntries(Object.entries(t.Resources ?? {}).filter(([, res]) => !res.Condition || r.condition(res.Condition)));
  const globals = t.Globals?.Function ?? {};

  // Functions by binary: SAM Metadata.BuildProperties.Binary, CDK Metadata.ChatBinary.
  const binaryOf = {};
  for (const [id, res] of Object.entries(R)) {
    if (res.Type !== 'AWS::Serverless::Function' && res.Type !== 'AWS::Lambda::Function') continue;
    const bin = res.Metadata?.BuildProperties?.Binary ?? res.Metadata?.ChatBinary;
    if (bin) {
      if (Object.values(binaryOf).includes(bin)) throw new Error(`binary ${bin} declared twice`);
      binaryOf[id] = bin;
    }
  }
  const fnIn = (expr) => {
    const found = [...refsIn(expr)].filter((id) => id in binaryOf).map((id) => binaryOf[id]);
    return found.length === 1 ? found[0] : found.length ? found.sort().join('+') : null;
  };
  const apiKind = (expr) => {
    for (const id of refsIn(expr)) {
      const res = R[id];
      if (res?.Type === 'AWS::Serverless::HttpApi') return 'HTTP';
      if (res?.Type === 'AWS::ApiGatewayV2::Api') return res.Properties?.ProtocolType;
    }
    return null;
  };

  // Role -> function (CDK: Role: GetAtt X.Arn).
  const fnOfRole = {};
  for (const [id, bin] of Object.entries(binaryOf)) {
    const role = R[id].Properties?.Role;
    if (role) for (const ref of refsIn(role)) fnOfRole[ref] = bin;
  }

  // Secret kind: "db" (generated JSON with a password key) or "key" (plain generated string).
  const secretKind = (expr) => {
    const kinds = new Set();
    for (let id of refsIn(expr)) {
      let res = R[id];
      if (res?.Type === 'AWS::SecretsManager::SecretTargetAttachment') { id = [...refsIn(res.Properties.SecretId)][0]; res = R[id]; }
      if (res?.Type === 'AWS::SecretsManager::Secret') kinds.add(res.Properties?.GenerateSecretString?.GenerateStringKey ? 'db-credentials' : 'generated-key');
    }
    return [...kinds];
  };

  const functions = {};
  const manageConnections = {};
  const secretReads = {};
  const statementsOf = {}; // bin -> IAM statements
  for (const [id, bin] of Object.entries(binaryOf)) {
    const res = R[id];
    const p = res.Properties ?? {};
    const sam = res.Type === 'AWS::Serverless::Function';
    const get = (k) => (p[k] !== undefined ? p[k] : sam ? globals[k] : undefined);
    const env = { ...(sam ? globals.Environment?.Variables ?? {} : {}), ...(p.Environment?.Variables ?? {}) };
    const vpc = get('VpcConfig');
    functions[bin] = {
      description: r.render(p.Description ?? null),
      runtime: r.render(get('Runtime')),
      architectures: r.render(asList(get('Architectures') ?? ['x86_64'])),
      handler: r.render(get('Handler')),
      memorySize: r.render(get('MemorySize') ?? 128),
      timeout: r.render(get('Timeout') ?? 3),
      tracing: r.render(sam ? get('Tracing') : p.TracingConfig?.Mode),
      inVpc: Boolean(vpc?.SubnetIds && vpc?.SecurityGroupIds),
      ownLogGroup: Boolean(get('LoggingConfig')?.LogGroup),
      logFormat: r.render(get('LoggingConfig')?.LogFormat ?? 'Text'),
      // Lambda drops application lines below this level; an EMF line has no "level" and counts as INFO.
      applicationLogLevel: r.render(get('LoggingConfig')?.ApplicationLogLevel ?? null),
      envNames: Object.keys(env).sort(),
      env: Object.fromEntries(Object.keys(env).sort().map((k) => [k, r.render(env[k])])),
    };
    statementsOf[bin] = [];
    if (sam) {
      for (const pol of asList(p.Policies)) {
        if (typeof pol === 'string') continue;
        if (pol.Statement) statementsOf[bin].push(...asList(pol.Statement));
        if (pol.AWSSecretsManagerGetSecretValuePolicy) {
          statementsOf[bin].push({ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: pol.AWSSecretsManagerGetSecretValuePolicy.SecretArn });
        }
      }
    }
  }
  // CDK (and any raw template): IAM::Policy resources and inline role policies.
  for (const [id, res] of Object.entries(R)) {
    if (res.Type === 'AWS::IAM::Policy') {
      for (const role of asList(res.Properties?.Roles)) {
        for (const ref of refsIn(role)) if (fnOfRole[ref]) statementsOf[fnOfRole[ref]].push(...asList(res.Properties.PolicyDocument?.Statement));
      }
    }
    if (res.Type === 'AWS::IAM::Role' && fnOfRole[id]) {
      for (const pol of asList(res.Properties?.Policies)) statementsOf[fnOfRole[id]].push(...asList(pol.PolicyDocument?.Statement));
    }
  }
  for (const [bin, stmts] of Object.entries(statementsOf)) {
    const mc = new Set();
    const reads = new Set();
    for (const s of stmts) {
      if (s.Effect !== 'Allow') continue;
      const actions = asList(s.Action);
      if (actions.some((a) => a === 'execute-api:ManageConnections' || a === 'execute-api:*')) {
        for (const res of asList(s.Resource)) mc.add(r.render(res));
      }
      if (actions.some((a) => a === 'secretsmanager:GetSecretValue')) {
        for (const res of asList(s.Resource)) secretKind(res).forEach((k) => reads.add(k));
      }
    }
    if (mc.size) manageConnections[bin] = [...mc].sort();
    secretReads[bin] = [...reads].sort();
  }

  // Routes and integrations.
  const httpRoutes = {};
  const wsRoutes = {};
  const integrations = { HTTP: {}, WEBSOCKET: {} };
  const integrationOf = (id) => {
    const p = R[id].Properties;
    return { fn: fnIn(p.IntegrationUri), type: p.IntegrationType, payload: p.PayloadFormatVersion ?? null };
  };
  for (const [id, res] of Object.entries(R)) {
    if (res.Type === 'AWS::Serverless::Function' && binaryOf[id]) {
      for (const ev of Object.values(res.Properties?.Events ?? {})) {
        if (ev.Type !== 'HttpApi') continue;
        const key = ev.Properties?.Path ? `${(ev.Properties.Method ?? 'ANY').toUpperCase()} ${ev.Properties.Path}` : '$default';
        const kind = ev.Properties?.ApiId ? apiKind(ev.Properties.ApiId) : 'HTTP';
        if (kind !== 'HTTP') throw new Error(`HttpApi event on a ${kind} API`);
        if (httpRoutes[key]) throw new Error(`route ${key} declared twice`);
        httpRoutes[key] = binaryOf[id];
        integrations.HTTP[binaryOf[id]] = { type: 'AWS_PROXY', payload: ev.Properties?.PayloadFormatVersion ?? '2.0' };
      }
    }
    if (res.Type === 'AWS::ApiGatewayV2::Route') {
      const kind = apiKind(res.Properties.ApiId);
      const target = [...refsIn(res.Properties.Target)].find((x) => R[x]?.Type === 'AWS::ApiGatewayV2::Integration');
      const integ = target ? integrationOf(target) : { fn: null };
      const routes = kind === 'WEBSOCKET' ? wsRoutes : httpRoutes;
      const key = res.Properties.RouteKey;
      if (routes[key]) throw new Error(`route ${key} declared twice`);
      routes[key] = integ.fn;
      if (integ.fn) integrations[kind][integ.fn] = { type: integ.type, payload: kind === 'HTTP' ? integ.payload : null };
    }
  }
  for (const v of Object.values(integrations.WEBSOCKET)) delete v.payload;

  // WebSocket API, stage and invoke permissions.
  const wsApis = Object.entries(R).filter(([, x]) => x.Type === 'AWS::ApiGatewayV2::Api' && x.Properties?.ProtocolType === 'WEBSOCKET');
  const websocket = wsApis.map(([, x]) => ({ routeSelectionExpression: x.Properties.RouteSelectionExpression }));
  const wsStages = Object.values(R)
    .filter((x) => x.Type === 'AWS::ApiGatewayV2::Stage' && apiKind(x.Properties.ApiId) === 'WEBSOCKET')
    .map((x) => ({
      stageName: r.render(x.Properties.StageName),
      autoDeploy: x.Properties.AutoDeploy === true,
      throttled: Boolean(x.Properties.DefaultRouteSettings?.ThrottlingRateLimit && x.Properties.DefaultRouteSettings?.ThrottlingBurstLimit),
    }));
  const wsInvokePermissions = {};
  for (const res of Object.values(R)) {
    if (res.Type !== 'AWS::Lambda::Permission') continue;
    const p = res.Properties;
    if (p.Principal !== 'apigateway.amazonaws.com' || apiKind(p.SourceArn) !== 'WEBSOCKET') continue;
    const fn = fnIn(p.FunctionName);
    if (fn) wsInvokePermissions[fn] = true;
  }

  // Custom resources served by our functions.
  const customResources = {};
  for (const res of Object.values(R)) {
    if (!(res.Type.startsWith('Custom::') || res.Type === 'AWS::CloudFormation::CustomResource')) continue;
    const fn = fnIn(res.Properties?.ServiceToken);
    if (fn) customResources[res.Type] = { fn, properties: Object.keys(res.Properties).filter((k) => k !== 'ServiceToken' && k !== 'ServiceTimeout').sort() };
  }

  // Database and network shape.
  const one = (type) => Object.values(R).filter((x) => x.Type === type);
  const [dbInstance] = one('AWS::RDS::DBInstance');
  const [proxy] = one('AWS::RDS::DBProxy');
  const bool = (v) => (v === undefined ? null : String(r.render(v)) === 'true');
  const database = {
    engine: r.render(dbInstance?.Properties?.Engine),
    engineVersion: r.render(dbInstance?.Properties?.EngineVersion),
    storageEncrypted: bool(dbInstance?.Properties?.StorageEncrypted),
    publiclyAccessible: bool(dbInstance?.Properties?.PubliclyAccessible),
    multiAz: bool(dbInstance?.Properties?.MultiAZ) ?? false,
    proxy: proxy ? { engineFamily: proxy.Properties.EngineFamily, requireTls: bool(proxy.Properties.RequireTLS) } : null,
  };
  const natInstances = one('AWS::EC2::Instance').filter((x) => String(r.render(x.Properties?.SourceDestCheck)) === 'false');
  const network = {
    natGateways: one('AWS::EC2::NatGateway').length,
    natInstances: natInstances.length,
  };

  // The SPA distribution: every cache behavior (default "*" and each path pattern) with the
  // response headers policy it sends (our own policy's rendered config, or a managed policy id).
  const headersPolicyOf = (expr) => {
    if (expr === undefined || expr === null) return null;
    const own = [...refsIn(expr)].filter((id) => R[id]?.Type === 'AWS::CloudFront::ResponseHeadersPolicy');
    if (own.length === 1) return canonical(r.render(R[own[0]].Properties.ResponseHeadersPolicyConfig));
    return `managed:${JSON.stringify(r.render(expr))}`;
  };
  const behaviorOf = (b) => ({
    viewerProtocolPolicy: r.render(b.ViewerProtocolPolicy),
    cachePolicyId: r.render(b.CachePolicyId ?? null),
    responseHeadersPolicy: headersPolicyOf(b.ResponseHeadersPolicyId),
  });
  const site = {
    distributions: one('AWS::CloudFront::Distribution').map((x) => {
      const c = x.Properties.DistributionConfig;
      const behaviors = [['*', behaviorOf(c.DefaultCacheBehavior)],
        ...asList(c.CacheBehaviors).map((b) => [r.render(b.PathPattern), behaviorOf(b)])];
      return { behaviors: Object.fromEntries(behaviors.sort(([a], [b]) => a.localeCompare(b))) };
    }),
    responseHeadersPolicies: one('AWS::CloudFront::ResponseHeadersPolicy').map((x) => canonical(r.render(x.Properties.ResponseHeadersPolicyConfig))),
  };

  // CloudWatch alarms, keyed by metric and dimensions (logical ids differ: CDK adds a hash),
  // and dashboards with the series each widget charts. Our functions appear by binary.
  const rf = new Renderer(t, overrides, binaryOf);
  const dimensionsOf = (list) => Object.fromEntries(asList(list)
    .map((d) => [rf.render(d.Name), rf.render(d.Value)]).sort(([a], [b]) => a.localeCompare(b)));
  const actionsOf = (expr) => rf.render(expr) ?? [];
  const alarms = {};
  for (const res of one('AWS::CloudWatch::Alarm')) {
    const p = res.Properties;
    const dimensions = dimensionsOf(p.Dimensions);
    const metricName = rf.render(p.MetricName ?? null);
    const key = `${metricName}{${Object.entries(dimensions).map(([k, v]) => `${k}=${v}`).join(',')}}`;
    if (alarms[key]) throw new Error(`two alarms on ${key}`);
    alarms[key] = {
      description: rf.render(p.AlarmDescription ?? null),
      namespace: rf.render(p.Namespace ?? null),
      metricName,
      dimensions,
      statistic: rf.render(p.Statistic ?? null),
      extendedStatistic: rf.render(p.ExtendedStatistic ?? null),
      period: rf.render(p.Period ?? null),
      evaluationPeriods: rf.render(p.EvaluationPeriods),
      // Unset means all of them (CloudWatch's default).
      datapointsToAlarm: rf.render(p.DatapointsToAlarm ?? p.EvaluationPeriods),
      threshold: rf.render(p.Threshold ?? null),
      comparison: rf.render(p.ComparisonOperator),
      treatMissingData: rf.render(p.TreatMissingData ?? 'missing'),
      actions: actionsOf(p.AlarmActions),
      okActions: actionsOf(p.OKActions),
      insufficientDataActions: actionsOf(p.InsufficientDataActions),
    };
  }
  // A metric row is [namespace, name, dim, value, ..., {options}]; "." repeats the row above.
  const seriesOf = (props) => {
    let above = [];
    return asList(props.metrics).map((row) => {
      const last = row[row.length - 1];
      const opts = isObj(last) ? last : {};
      const parts = (isObj(last) ? row.slice(0, -1) : row).map((v, i) => (v === '.' ? above[i] : v));
      above = parts;
      const [namespace, metricName, ...rest] = parts;
      const dimensions = {};
      for (let i = 0; i + 1 < rest.length; i += 2) dimensions[rest[i]] = rest[i + 1];
      return {
        namespace,
        metricName,
        dimensions: canonical(dimensions),
        stat: opts.stat ?? props.stat ?? 'Average',
        period: Number(opts.period ?? props.period ?? 300),
        label: opts.label ?? null,
        yAxis: opts.yAxis ?? 'left',
      };
    });
  };
  const widgetOf = (w) => {
    const p = w.properties ?? {};
    const place = { x: w.x ?? null, y: w.y ?? null, width: w.width ?? 6, height: w.height ?? 6 };
    if (w.type === 'text') return { type: 'text', ...place, markdown: p.markdown ?? null };
    if (w.type !== 'metric') return { type: w.type, ...place, title: p.title ?? null };
    return {
      type: 'metric', ...place, title: p.title ?? null, view: p.view ?? 'timeSeries', stacked: p.stacked ?? false,
      region: p.region ?? null, series: seriesOf(p),
    };
  };
  const dashboards = one('AWS::CloudWatch::Dashboard').map((x) => {
    const body = rf.render(x.Properties.DashboardBody);
    let doc;
    try {
      doc = JSON.parse(body);
    } catch (e) {
      throw new Error(`a dashboard body is not JSON once rendered (${e.message}): ${body}`);
    }
    return {
      name: rf.render(x.Properties.DashboardName ?? null),
      start: doc.start ?? null,
      periodOverride: doc.periodOverride ?? null,
      widgets: asList(doc.widgets).map(widgetOf),
    };
  });

  return {
    functions,
    database,
    network,
    httpRoutes,
    wsRoutes,
    integrations,
    websocket,
    wsStages,
    manageConnections,
    secretReads,
    wsInvokePermissions,
    customResources,
    site,
    alarms,
    dashboards,
    outputs: Object.keys(t.Outputs ?? {}).sort(),
  };
}

/** Differences between two models as readable lines (empty when they agree). */
export function diffModels(a, b, path = '', out = []) {
  if (isObj(a) && isObj(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (!(k in a)) out.push(`${path}${k}: only in CDK (${JSON.stringify(b[k])})`);
      else if (!(k in b)) out.push(`${path}${k}: only in SAM (${JSON.stringify(a[k])})`);
      else diffModels(a[k], b[k], `${path}${k}.`, out);
    }
  } else if (JSON.stringify(a) !== JSON.stringify(b)) {
    out.push(`${path.replace(/\.$/, '')}: SAM ${JSON.stringify(a)} != CDK ${JSON.stringify(b)}`);
  }
  return out;
}
