#!/usr/bin/env node
// CDK app: the same stack as ../template.yaml (SAM). `npm run build && npx cdk deploy`.
import * as cdk from 'aws-cdk-lib';
import { ChatStack } from '../lib/chat-stack';

const app = new cdk.App();
new ChatStack(app, app.node.tryGetContext('stackName') ?? 'ChatStack', {
  description: 'Real-time chat: Rust Lambda functions, HTTP + WebSocket APIs, RDS MySQL, SPA on S3 + CloudFront',
  // Environment-agnostic on purpose (like the SAM template): AZs come from Fn::GetAZs at deploy
  // time, so synth needs no AWS lookups and gives the same template everywhere.
});
