// The chat stack in CDK. Mirrors ../../template.yaml (SAM) resource for resource where it matters:
// the same seven functions (by binary), HTTP and WebSocket routes, integrations,
// execute-api:ManageConnections grants, environment variable names, alarms and dashboard.
// test/parity.test.mjs compares the two templates and fails on drift.
//
// Structural choices are context values (cdk.json, or `-c key=value`):
//   stageName, natMode (gateway|instance), useRdsProxy, dbInstanceClass, dbAllocatedStorage,
//   dbMultiAz, dbBackupRetentionDays, dbRequireTls, additionalAllowedOrigins, alarmTopicArn, spaDist.
// Application settings are CloudFormation parameters with the same names as in SAM.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import { Construct } from 'constructs';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration, WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { RustFunction } from 'cargo-lambda-cdk';

/** Repository root: the cargo workspace (Cargo.toml) and frontend/dist live there. */
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

/** Lambda binaries = cargo packages = folders under functions/. */
export const FUNCTIONS = {
  auth: { id: 'Auth', description: 'REST /api/auth/* (register, login, me) and POST /api/ws-ticket (single-use WebSocket ticket)' },
  rooms: { id: 'Rooms', description: 'REST /api/rooms*, /api/health, /api/openapi.json and unmatched routes (JSON 404); pushes membership, presence and read frames' },
  messages: { id: 'Messages', description: 'REST /api/rooms/{id}/messages*, history, posts, edits, deletions and reactions; pushes each change to the room\'s sockets' },
  'ws-connect': { id: 'WsConnect', description: 'WebSocket $connect (token and membership check, presence join)' },
  'ws-message': { id: 'WsMessage', description: 'WebSocket $default (sync, sendMessage, typing, ping)' },
  'ws-disconnect': { id: 'WsDisconnect', description: 'WebSocket $disconnect (connection row cleanup, presence leave)' },
  migrate: { id: 'Migrate', description: 'Custom resource - applies the database migrations on deploy' },
} as const;
export type Binary = keyof typeof FUNCTIONS;

/** Which function serves each route: the one table SAM, CDK and local-dev agree on. */
const ROUTES: { http: Record<string, Binary> & { $default: Binary }; websocket: Record<string, Binary> } =
  JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'infra', 'routes.json'), 'utf8'));

function ctxString(scope: Construct, key: string, fallback: string): string {
  const v = scope.node.tryGetContext(key);
  return v === undefined || v === null ? fallback : String(v);
}
function ctxBool(scope: Construct, key: string, fallback: boolean): boolean {
  const v = scope.node.tryGetContext(key);
  if (v === undefined || v === null) return fallback;
  return v === true || v === 'true';
}
function ctxNumber(scope: Construct, key: string, fallback: number): number {
  const v = scope.node.tryGetContext(key);
  return v === undefined || v === null ? fallback : Number(v);
}

export class ChatStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);

    // ------------------------------------------------------------ settings
    const stageName = ctxString(this, 'stageName', 'prod');
    const natMode = ctxString(this, 'natMode', 'gateway');
    if (natMode !== 'gateway' && natMode !== 'instance') {
      throw new Error(`natMode must be "gateway" or "instance", not ${natMode}`);
    }
    const useProxy = ctxBool(this, 'useRdsProxy', true);
    const extraOrigins = ctxString(this, 'additionalAllowedOrigins', '')
      .split(',').map((o) => o.trim()).filter((o) => o.length > 0);
    const alarmTopicArn = ctxString(this, 'alarmTopicArn', '');

    const jwtTtl = new cdk.CfnParameter(this, 'JwtTtlSeconds', { type: 'Number', default: 86400, minValue: 60 });
    const bcryptCost = new cdk.CfnParameter(this, 'BcryptCost', { type: 'Number', default: 12, minValue: 4, maxValue: 31 });
    const rateLimitMessages = new cdk.CfnParameter(this, 'RateLimitMessages', {
      type: 'Number', default: 10, minValue: 0,
      description: 'Messages per window per user per room (0 turns the limit off).',
    });
    const rateLimitWindow = new cdk.CfnParameter(this, 'RateLimitWindowSeconds', { type: 'Number', default: 10, minValue: 1 });
    const rustLog = new cdk.CfnParameter(this, 'RustLog', { type: 'String', default: 'info', description: 'RUST_LOG filter for every function.' });
    const databaseName = new cdk.CfnParameter(this, 'DatabaseName', {
      type: 'String', default: 'chat', allowedPattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$',
    });
    const throttleRate = new cdk.CfnParameter(this, 'ApiThrottleRateLimit', { type: 'Number', default: 100, minValue: 1 });
    const throttleBurst = new cdk.CfnParameter(this, 'ApiThrottleBurstLimit', { type: 'Number', default: 200, minValue: 1 });
    const logRetention = new cdk.CfnParameter(this, 'LogRetentionDays', {
      type: 'Number', default: '14',
      allowedValues: ['1', '3', '5', '7', '14', '30', '60', '90', '120', '150', '180', '365', '400', '545', '731',
        '1096', '1827', '2192', '2557', '2922', '3288', '3653'],
    });

    // ------------------------------------------------------------ network
    // One NAT for both AZs: Secrets Manager, the management API (@connections: an execute-api
    // interface endpoint cannot reach it, see shared/AWS-RULES.md) and the custom resource's
    // response URL all need egress.
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.40.0.0/16'),
      maxAzs: 2,
      natGateways: 1,
      natGatewayProvider: natMode === 'instance'
        ? ec2.NatProvider.instanceV2({
          instanceType: new ec2.InstanceType('t4g.nano'),
          machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
          defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY,
        })
        : ec2.NatProvider.gateway(),
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
    });
    const privateSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

    const functionSg = new ec2.SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc, description: 'Chat Lambda functions', allowAllOutbound: true,
    });
    const proxySg = new ec2.SecurityGroup(this, 'ProxySecurityGroup', {
      vpc, description: 'RDS Proxy - MySQL from the functions', allowAllOutbound: false,
    });
    proxySg.addIngressRule(functionSg, ec2.Port.tcp(3306), 'MySQL from the functions');
    proxySg.addEgressRule(ec2.Peer.ipv4(vpc.vpcCidrBlock), ec2.Port.tcp(3306), 'MySQL to the instance');
    const dbSg = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc, description: 'RDS MySQL - from the proxy (and the functions when there is no proxy)', allowAllOutbound: false,
    });
    dbSg.addIngressRule(proxySg, ec2.Port.tcp(3306), 'MySQL from RDS Proxy');
    dbSg.addIngressRule(functionSg, ec2.Port.tcp(3306), 'MySQL from the functions (useRdsProxy=false)');

    // ------------------------------------------------------------ database and secrets
    const db = new rds.DatabaseInstance(this, 'Database', {
      engine: rds.DatabaseInstanceEngine.mysql({ version: rds.MysqlEngineVersion.VER_8_4_10 }),
      instanceType: new ec2.InstanceType(ctxString(this, 'dbInstanceClass', 't4g.micro').replace(/^db\./, '')),
      vpc,
      vpcSubnets: privateSubnets,
      securityGroups: [dbSg],
      // RDS-style secret JSON (username/password + host/port/dbname once attached).
      credentials: rds.Credentials.fromGeneratedSecret('chat_admin', { excludeCharacters: '"@/\\\'` ' }),
      databaseName: databaseName.valueAsString,
      allocatedStorage: ctxNumber(this, 'dbAllocatedStorage', 20),
      storageType: rds.StorageType.GP3,
      storageEncrypted: true,
      multiAz: ctxBool(this, 'dbMultiAz', false),
      backupRetention: cdk.Duration.days(ctxNumber(this, 'dbBackupRetentionDays', 7)),
      publiclyAccessible: false,
      autoMinorVersionUpgrade: true,
      copyTagsToSnapshot: true,
      cloudwatchLogsExports: ['error'],
      removalPolicy: cdk.RemovalPolicy.SNAPSHOT,
      deletionProtection: false,
    });
    const dbSecret = db.secret!;

    // sqlx prepares statements server-side and runs SET statements on connect: both pin a
    // proxy session to one database connection (docs/deploy.md). DB_MAX_CONNECTIONS=1 keeps
    // that to one connection per Lambda instance.
    const proxy = useProxy
      ? db.addProxy('DbProxy', {
        secrets: [dbSecret],
        vpc,
        vpcSubnets: privateSubnets,
        securityGroups: [proxySg],
        requireTLS: ctxBool(this, 'dbRequireTls', true),
        iamAuth: false,
        idleClientTimeout: cdk.Duration.minutes(30),
        maxConnectionsPercent: 90,
        maxIdleConnectionsPercent: 50,
        borrowTimeout: cdk.Duration.seconds(30),
      })
      : undefined;
    const databaseHost = proxy ? proxy.endpoint : db.dbInstanceEndpointAddress;

    const jwtSecret = new secretsmanager.Secret(this, 'JwtSecret', {
      description: `${this.stackName} HS256 signing key for access tokens`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });

    // ------------------------------------------------------------ WebSocket API (ids only)
    // Created before the functions and the distribution: both need its id (no dependency on
    // the stage, which depends on the routes, which depend on the functions).
    const wsApi = new apigwv2.WebSocketApi(this, 'WebSocketApi', {
      apiName: `${this.stackName}-ws`,
      routeSelectionExpression: '$request.body.action',
    });

    // ------------------------------------------------------------ SPA bucket + CloudFront
    const siteBucket = new s3.Bucket(this, 'SiteBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: cdk.RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    const siteOrigin = origins.S3BucketOrigin.withOriginAccessControl(siteBucket);
    // Security headers on every response of the distribution (../README.md lists them).
    // connect-src names the WebSocket API exactly, but the HTTP API only as "an execute-api host
    // in this region": the HTTP API's CORS allows the distribution's domain, so its id here would
    // close a dependency cycle (distribution -> this policy -> HTTP API -> distribution).
    const executeApiDomain = `execute-api.${cdk.Aws.REGION}.${cdk.Aws.URL_SUFFIX}`;
    const contentSecurityPolicy = [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self'",
      `connect-src 'self' https://*.${executeApiDomain} wss://${wsApi.apiId}.${executeApiDomain}`,
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; ');
    const securityHeaders = new cloudfront.ResponseHeadersPolicy(this, 'SiteResponseHeadersPolicy', {
      // Names are per account (CloudFront is global): stack + region, as in SAM.
      responseHeadersPolicyName: `${cdk.Aws.STACK_NAME}-${cdk.Aws.REGION}-security-headers`,
      comment: 'Chat SPA security headers (CSP, HSTS, nosniff, DENY framing, referrer policy)',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy, override: true },
        strictTransportSecurity: { accessControlMaxAge: cdk.Duration.seconds(63072000), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
      },
    });
    const uncached: cloudfront.BehaviorOptions = {
      origin: siteOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      responseHeadersPolicy: securityHeaders,
      compress: true,
    };
    const distribution = new cloudfront.Distribution(this, 'SiteDistribution', {
      comment: `${this.stackName} chat SPA`,
      defaultRootObject: 'index.html',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: siteOrigin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: securityHeaders,
        compress: true,
      },
      // Written at deploy time / entry point: never cached, so a redeploy shows at once.
      additionalBehaviors: { '/config.json': uncached, '/index.html': uncached },
      // Client-side routes: serve the SPA for paths that are not objects.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus, responseHttpStatus: 200, responsePagePath: '/index.html', ttl: cdk.Duration.seconds(0),
      })),
    });
    const siteUrl = `https://${distribution.distributionDomainName}`;
    const corsOrigins = [siteUrl, ...extraOrigins];

    const wsManagementEndpoint =
      `https://${wsApi.apiId}.execute-api.${cdk.Aws.REGION}.${cdk.Aws.URL_SUFFIX}/${stageName}`;
    const manageConnections = new iam.PolicyStatement({
      actions: ['execute-api:ManageConnections'],
      resources: [
        `arn:${cdk.Aws.PARTITION}:execute-api:${cdk.Aws.REGION}:${cdk.Aws.ACCOUNT_ID}:${wsApi.apiId}/${stageName}/*/@connections/*`,
      ],
    });

    // ------------------------------------------------------------ functions
    const metricsNamespace = `Chat/${cdk.Aws.STACK_NAME}`;
    // One imported topic for every alarm (SAM: AlarmActions !If HasAlarmTopic).
    const alarmAction = alarmTopicArn
      ? new cwActions.SnsAction(sns.Topic.fromTopicArn(this, 'AlarmTopic', alarmTopicArn))
      : undefined;
    const commonEnv: Record<string, string> = {
      DATABASE_SECRET_ARN: dbSecret.secretArn,
      DATABASE_HOST: databaseHost,
      DATABASE_NAME: databaseName.valueAsString,
      DB_MAX_CONNECTIONS: '1',
      JWT_SECRET_ARN: jwtSecret.secretArn,
      JWT_TTL_SECONDS: jwtTtl.valueAsString,
      BCRYPT_COST: bcryptCost.valueAsString,
      RATE_LIMIT_MESSAGES: rateLimitMessages.valueAsString,
      RATE_LIMIT_WINDOW_SECONDS: rateLimitWindow.valueAsString,
      CORS_ALLOWED_ORIGINS: corsOrigins.join(','),
      RUST_LOG: rustLog.valueAsString,
      // CloudWatch namespace of the Embedded Metric Format lines shared::metrics prints on stdout
      // (one JSON object a line). The JSON log format keeps them intact: Lambda formats only its
      // own system logs on this runtime and does not re-encode output that is already JSON, so
      // each line reaches CloudWatch Logs as one EMF event (docs/deploy.md).
      METRICS_NAMESPACE: metricsNamespace,
    };
    // Functions that post to connections: the management endpoint and the grant.
    const broadcasters = new Set<Binary>(['rooms', 'messages', 'ws-connect', 'ws-message', 'ws-disconnect']);

    // Every RustFunction runs `cargo lambda build --release --arm64 --bin <name>` at synth. The
    // extra `-p` flags select all seven packages so cargo resolves features exactly as in
    // `cargo lambda build --release --arm64 -p auth -p rooms ...` (what .ci/infra runs first):
    // with a shared CARGO_TARGET_DIR every synth build is then a no-op that just copies the binary.
    const allPackages = Object.keys(FUNCTIONS).flatMap((name) => ['-p', name]);

    const fns = {} as Record<Binary, lambda.Function>;
    for (const [name, spec] of Object.entries(FUNCTIONS) as [Binary, (typeof FUNCTIONS)[Binary]][]) {
      const logGroup = new logs.LogGroup(this, `${spec.id}FunctionLogs`, {
        retention: logRetention.valueAsNumber as logs.RetentionDays,
        removalPolicy: cdk.RemovalPolicy.DESTROY,
      });
      const environment: Record<string, string> = { ...commonEnv };
      if (broadcasters.has(name)) environment.WEBSOCKET_API_ENDPOINT = wsManagementEndpoint;

      const fn = new RustFunction(this, `${spec.id}Function`, {
        manifestPath: path.join(REPO_ROOT, 'Cargo.toml'),
        binaryName: name,
        runtime: 'provided.al2023',
        architecture: lambda.Architecture.ARM_64,
        bundling: { cargoLambdaFlags: allPackages },
        description: spec.description,
        memorySize: 256,
        timeout: cdk.Duration.seconds(name === 'migrate' ? 300 : 15),
        tracing: lambda.Tracing.ACTIVE,
        vpc,
        vpcSubnets: privateSubnets,
        securityGroups: [functionSg],
        environment,
        logGroup,
        // JSON lines: lambda_runtime reads AWS_LAMBDA_LOG_FORMAT and logs structured tracing events.
        loggingFormat: lambda.LoggingFormat.JSON,
      });
      // The binary name, for the SAM <-> CDK parity test (SAM: Metadata.BuildProperties.Binary).
      (fn.node.defaultChild as lambda.CfnFunction).addMetadata('ChatBinary', name);
      dbSecret.grantRead(fn);
      jwtSecret.grantRead(fn);
      if (broadcasters.has(name)) fn.addToRolePolicy(manageConnections);
      fns[name] = fn;

      if (name !== 'migrate') {
        const alarm = fn.metricErrors({ period: cdk.Duration.minutes(5), statistic: 'Sum' }).createAlarm(this, `${spec.id}ErrorsAlarm`, {
          alarmDescription: `${name} function errors`,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
        if (alarmAction) alarm.addAlarmAction(alarmAction);
      }
    }

    // ------------------------------------------------------------ EMF metrics: alarms and dashboard
    // The functions' own metrics (namespace Chat/<stack>, dimension Service=chat;
    // shared/src/metrics.rs). Thresholds and the reasons for them: docs/deploy.md.
    const chatMetric = (metricName: string, statistic: string, label?: string, period = cdk.Duration.minutes(5)) =>
      new cloudwatch.Metric({ namespace: metricsNamespace, metricName, dimensionsMap: { Service: 'chat' }, statistic, period, label });
    const emfAlarms: [string, cloudwatch.Metric, Omit<cloudwatch.CreateAlarmOptions, 'treatMissingData'>][] = [
      ['PostsFailedAlarm', chatMetric('PostsFailed', 'Sum'), {
        alarmDescription: 'posts to WebSocket connections failing (not 410 Gone) - throttling (429) or management API errors',
        threshold: 10, evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      }],
      ['FanOutSlowAlarm', chatMetric('FanOutDuration', 'p99'), {
        alarmDescription: 'fan-out p99 above 2 s for 15 minutes - messages reach the room\'s sockets late',
        threshold: 2000, evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      }],
      ['RateLimitedAlarm', chatMetric('RateLimited', 'Sum'), {
        alarmDescription: 'many requests and frames refused with rate_limited - a flooding client or a limit set too low',
        threshold: 500, evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      }],
    ];
    for (const [id, metric, options] of emfAlarms) {
      const alarm = metric.createAlarm(this, id, { ...options, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING });
      if (alarmAction) alarm.addAlarmAction(alarmAction);
    }

    // Dashboards are global per account (not per region): the name carries stack and region.
    // The same widgets as SAM's Dashboard, in rows of three (the parity test compares them).
    const graph = (title: string, left: cloudwatch.IMetric[]) => new cloudwatch.GraphWidget({ title, left, width: 8, height: 6 });
    const perFunction = (title: string, metric: (fn: lambda.Function, name: Binary) => cloudwatch.IMetric) =>
      graph(title, (['auth', 'rooms', 'messages', 'ws-connect', 'ws-message', 'ws-disconnect'] as const).map((name) => metric(fns[name], name)));
    const minute = cdk.Duration.minutes(1);
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${cdk.Aws.STACK_NAME}-${cdk.Aws.REGION}`,
    });
    dashboard.addWidgets(new cloudwatch.TextWidget({
      width: 24, height: 2,
      markdown: `**Chat (${cdk.Aws.STACK_NAME})**: EMF metrics of the functions in namespace ${metricsNamespace}, dimension Service=chat (docs/deploy.md). Managed by CloudFormation: changes made here are lost on the next deploy.`,
    }));
    dashboard.addWidgets(
      graph('Connections per minute', [chatMetric('ConnectionsOpened', 'Sum', 'opened', minute), chatMetric('ConnectionsClosed', 'Sum', 'closed', minute)]),
      graph('Connections per 5 minutes', [chatMetric('ConnectionsOpened', 'Sum', 'opened'), chatMetric('ConnectionsClosed', 'Sum', 'closed')]),
      graph('Messages posted per 5 minutes', [chatMetric('MessagesPosted', 'Sum', 'posted')]),
    );
    dashboard.addWidgets(
      graph('Fan-out size (connections per frame)', [chatMetric('FanOutSize', 'Average', 'average'), chatMetric('FanOutSize', 'Maximum', 'max')]),
      graph('Posts to connections per 5 minutes', [chatMetric('PostsDelivered', 'Sum', 'delivered'),
        chatMetric('PostsGone', 'Sum', 'gone (410)'), chatMetric('PostsFailed', 'Sum', 'failed')]),
      graph('Fan-out duration (ms)', [chatMetric('FanOutDuration', 'p50', 'p50'), chatMetric('FanOutDuration', 'p99', 'p99'),
        chatMetric('FanOutDuration', 'Maximum', 'max')]),
    );
    dashboard.addWidgets(
      graph('Rate-limited per 5 minutes', [chatMetric('RateLimited', 'Sum', 'refused')]),
      perFunction('Lambda errors per 5 minutes', (fn, label) => fn.metricErrors({ statistic: 'Sum', label })),
      perFunction('Lambda duration p99 (ms)', (fn, label) => fn.metricDuration({ statistic: 'p99', label })),
    );

    // ------------------------------------------------------------ migrations on deploy
    // The migrate function answers the pre-signed ResponseURL itself. A new function version
    // (new binary, new embedded migrations) changes CodeVersion and re-runs it.
    const migrations = new cdk.CustomResource(this, 'Migrations', {
      serviceToken: fns.migrate.functionArn,
      resourceType: 'Custom::Migrations',
      // Fail after 10 minutes instead of CloudFormation's default hour if no answer comes back.
      serviceTimeout: cdk.Duration.minutes(10),
      properties: {
        CodeVersion: fns.migrate.currentVersion.functionArn,
        DatabaseHost: databaseHost,
        // Waits for the proxy's target registration when there is a proxy.
        ProxyTargetGroup: proxy ? (proxy.node.findChild('ProxyTargetGroup') as rds.CfnDBProxyTargetGroup).ref : 'none',
        DatabaseSecret: dbSecret.secretArn,
      },
    });
    for (const subnet of vpc.privateSubnets) migrations.node.addDependency(subnet.internetConnectivityEstablished);

    // ------------------------------------------------------------ HTTP API (REST)
    // $default stage: no stage prefix in the path, so lambda_http sees /api/... as is.
    // One integration per function, shared by all of its routes (../../routes.json).
    const integrations = new Map<Binary, HttpLambdaIntegration>();
    const integration = (name: Binary) => {
      if (!integrations.has(name)) {
        integrations.set(name, new HttpLambdaIntegration(`${FUNCTIONS[name].id}Integration`, fns[name]));
      }
      return integrations.get(name)!;
    };
    const httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Chat REST API',
      createDefaultStage: false,
      // $default route: unknown paths get the app's JSON 404 body.
      defaultIntegration: integration(ROUTES.http.$default),
      corsPreflight: {
        allowOrigins: corsOrigins,
        allowMethods: [apigwv2.CorsHttpMethod.GET, apigwv2.CorsHttpMethod.POST, apigwv2.CorsHttpMethod.PATCH,
          apigwv2.CorsHttpMethod.PUT, apigwv2.CorsHttpMethod.DELETE, apigwv2.CorsHttpMethod.OPTIONS],
        allowHeaders: ['authorization', 'content-type'],
        exposeHeaders: ['retry-after'],
        maxAge: cdk.Duration.minutes(10),
      },
    });
    const httpAccessLogs = new logs.LogGroup(this, 'HttpApiAccessLogs', {
      retention: logRetention.valueAsNumber as logs.RetentionDays,
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });
    new apigwv2.HttpStage(this, 'HttpApiDefaultStage', {
      httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: throttleRate.valueAsNumber, burstLimit: throttleBurst.valueAsNumber },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(httpAccessLogs),
        format: apigw.AccessLogFormat.custom(JSON.stringify({
          requestId: '$context.requestId', ip: '$context.identity.sourceIp', time: '$context.requestTime',
          method: '$context.httpMethod', path: '$context.path', routeKey: '$context.routeKey',
          status: '$context.status', latencyMs: '$context.responseLatency',
          integrationError: '$context.integrationErrorMessage',
        })),
      },
    });
    for (const [routeKey, name] of Object.entries(ROUTES.http)) {
      if (routeKey === '$default') continue;
      const [method, routePath] = routeKey.split(' ');
      httpApi.addRoutes({ path: routePath, methods: [method as apigwv2.HttpMethod], integration: integration(name) });
    }

    // ------------------------------------------------------------ WebSocket routes and stage
    // $connect checks the ?ticket= (or v1 ?token=) itself (authorization happens only there); every action
    // (sync, sendMessage, typing, ping) lands on $default.
    const wsIntegrationIds: Record<string, string> = { $connect: 'WsConnectIntegration', $default: 'WsMessageIntegration', $disconnect: 'WsDisconnectIntegration' };
    for (const [routeKey, name] of Object.entries(ROUTES.websocket)) {
      wsApi.addRoute(routeKey, { integration: new WebSocketLambdaIntegration(wsIntegrationIds[routeKey], fns[name]) });
    }
    // AutoDeploy: later route changes are deployed by API Gateway; the dependency makes the
    // first deployment contain every route.
    const wsStage = new apigwv2.WebSocketStage(this, 'WebSocketStage', {
      webSocketApi: wsApi,
      stageName,
      autoDeploy: true,
      throttle: { rateLimit: throttleRate.valueAsNumber, burstLimit: throttleBurst.valueAsNumber },
    });
    wsStage.node.addDependency(wsApi);

    // ------------------------------------------------------------ publish the SPA + config.json
    const spaDist = path.resolve(REPO_ROOT, ctxString(this, 'spaDist', 'frontend/dist'));
    const haveSpa = fs.existsSync(path.join(spaDist, 'index.html'));
    if (!haveSpa) {
      cdk.Annotations.of(this).addWarningV2('chat:spa-missing',
        `${spaDist}/index.html not found: only config.json is published (run \`npm run build\` in frontend/ first).`);
    }
    new s3deploy.BucketDeployment(this, 'DeploySite', {
      sources: [
        ...(haveSpa ? [s3deploy.Source.asset(spaDist)] : []),
        s3deploy.Source.jsonData('config.json', { apiBaseUrl: httpApi.apiEndpoint, wsUrl: wsStage.url }),
      ],
      destinationBucket: siteBucket,
      distribution,
      distributionPaths: ['/*'],
      // Without the SPA build, do not delete what an earlier deploy (or `aws s3 sync`) put there.
      prune: haveSpa,
      memoryLimit: 512,
    });

    // ------------------------------------------------------------ outputs (same as SAM)
    new cdk.CfnOutput(this, 'HttpApiUrl', { description: 'REST base URL (the SPA\'s apiBaseUrl)', value: httpApi.apiEndpoint });
    new cdk.CfnOutput(this, 'WebSocketUrl', { description: 'WebSocket URL (the SPA\'s wsUrl); add ?ticket=<from POST /api/ws-ticket> (and &room_id=<id> for one room)', value: wsStage.url });
    new cdk.CfnOutput(this, 'WebSocketManagementEndpoint', { description: 'API Gateway management endpoint for @connections (WEBSOCKET_API_ENDPOINT)', value: wsManagementEndpoint });
    new cdk.CfnOutput(this, 'SiteUrl', { description: 'The SPA (CloudFront)', value: siteUrl });
    new cdk.CfnOutput(this, 'SiteBucketName', { description: 'The SPA bucket', value: siteBucket.bucketName });
    new cdk.CfnOutput(this, 'DistributionId', { description: 'CloudFront distribution', value: distribution.distributionId });
    new cdk.CfnOutput(this, 'DatabaseEndpoint', { description: 'Host the functions connect to (the proxy when useRdsProxy=true)', value: databaseHost });
    new cdk.CfnOutput(this, 'DatabaseSecretArn', { description: 'RDS-style secret with the master credentials', value: dbSecret.secretArn });
    new cdk.CfnOutput(this, 'DashboardName', { description: 'CloudWatch dashboard of the functions\' metrics (CloudWatch console, Dashboards; see docs/deploy.md)', value: dashboard.dashboardName });
  }
}
