/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy` (cdk.json runs it with tsx). The configuration
 * is the context key `wingRollback` (lib/config.ts); cdk-nag's AwsSolutions checks run on every
 * synth, and an unacknowledged error fails it.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_STACK_NAME } from '../src/adapters/stack-outputs.js';
import { CONFIG_CONTEXT_KEY, loadConfig } from '../lib/config.js';
import { WingRollbackStack } from '../lib/wing-rollback-stack.js';

const app = new App();
const config = loadConfig(app.node.tryGetContext(CONFIG_CONTEXT_KEY));
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
new WingRollbackStack(app, DEFAULT_STACK_NAME, {
  config,
  description: 'Wing Rollback: backup and emergency rollback of the WING platform',
  ...(account !== undefined || region !== undefined ? { env: { account, region } } : {}),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
