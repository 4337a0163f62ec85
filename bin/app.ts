/**
 * The CDK app: the only place that reads CDK context (`cdk.json` or `-c key=value`). It validates
 * the context into a stage configuration, builds the environment-agnostic stack and runs cdk-nag's
 * AwsSolutions checks on every synth.
 */
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONTEXT_KEYS, stageConfig } from '../lib/config';
import { ReachStack } from '../lib/reach-stack';

const app = new App();
const context: Record<string, unknown> = {};
for (const key of CONTEXT_KEYS) {
  const value: unknown = app.node.tryGetContext(key);
  if (value !== undefined && value !== null) context[key] = value;
}
const config = stageConfig(context);

const stack = new ReachStack(app, `Reach-${config.stage}`, {
  config,
  description: `Reach (${config.stage}): social accounts, metrics history and publishing`,
});
Tags.of(stack).add('app', 'reach');
Tags.of(stack).add('stage', config.stage);

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
