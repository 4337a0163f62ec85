/**
 * The CDK app: the only place that reads CDK context (`cdk.json` or `-c key=value`). It validates
 * the context into a stage configuration, builds the environment-agnostic stack (one `Reach`
 * construct, which a team can instead add to its own app: `lib/index.ts`) and runs cdk-nag's
 * AwsSolutions checks on every synth.
 */
import { App, Stack, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONTEXT_KEYS, stageConfig } from '../lib/config';
import { Reach } from '../lib/reach';
import { REACH_CONSTRUCT_ID } from '../lib/reach-stack';

const app = new App();
const context: Record<string, unknown> = {};
for (const key of CONTEXT_KEYS) {
  const value: unknown = app.node.tryGetContext(key);
  if (value !== undefined && value !== null) context[key] = value;
}
const config = stageConfig(context);

// The same two lines a team writes in its own app (README, "Deploy"): a stack, and Reach in it.
// The id `Default` keeps the logical ids Reach's resources had when they sat on the stack itself.
const stack = new Stack(app, `Reach-${config.stage}`, { description: `Reach (${config.stage}): social accounts, metrics history and publishing` });
new Reach(stack, REACH_CONSTRUCT_ID, { config });
Tags.of(stack).add('app', 'reach');
Tags.of(stack).add('stage', config.stage);

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
