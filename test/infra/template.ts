/** Helpers the infra tests share: build the stack once, read its template as plain JSON. */
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { stageConfig } from '../../lib/config';
import { ReachStack } from '../../lib/reach-stack';

export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

export interface Built {
  readonly app: App;
  readonly stack: ReachStack;
  readonly template: Template;
  readonly resources: Record<string, CfnResourceJson>;
  /** Logical id of a construct's CloudFormation resource. */
  readonly logicalId: (element: CfnElement) => string;
}

/**
 * Builds a Reach stack from raw CDK context, as `bin/app.ts` does. For speed, CloudFormation schema
 * validation is off (DESIGN.md §7) and asset bundling is skipped (`aws:cdk:bundling-stacks`): the
 * bundle test bundles every function and the nag test runs a full synth with both on.
 */
export const buildStack = (context: Record<string, unknown> = {}): Built => {
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  const config = stageConfig(context);
  const stack = new ReachStack(app, `Reach-${config.stage}`, { config });
  const template = Template.fromStack(stack);
  const resources = template.toJSON()['Resources'] as Record<string, CfnResourceJson>;
  return { app, stack, template, resources, logicalId: (el) => stack.getLogicalId(el) };
};

/** Resources of one CloudFormation type, by logical id. */
export const ofType = (resources: Record<string, CfnResourceJson>, type: string): Array<[string, CfnResourceJson]> =>
  Object.entries(resources).filter(([, r]) => r.Type === type);

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

/** Every IAM statement of the template (policies and inline role policies) with where it came from. */
export const iamStatements = (resources: Record<string, CfnResourceJson>): Array<{ policy: string; roles: unknown[]; statement: Statement }> => {
  const out: Array<{ policy: string; roles: unknown[]; statement: Statement }> = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::IAM::Policy') {
      for (const s of r.Properties?.['PolicyDocument']?.['Statement'] ?? []) out.push({ policy: id, roles: r.Properties?.['Roles'] ?? [], statement: s });
    }
    if (r.Type === 'AWS::IAM::Role') {
      for (const p of r.Properties?.['Policies'] ?? []) for (const s of p['PolicyDocument']?.['Statement'] ?? []) out.push({ policy: id, roles: [{ Ref: id }], statement: s });
    }
  }
  return out;
};

export const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
export const resourcesOf = (s: Statement): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

/** The sentinel a schedule input's mapped event id is read as. */
export const MAPPED_EVENT_ID = '<mapped $.id>';

/**
 * The event a schedule rule's target receives, with the rule's own event id (mapped in through an
 * input transformer) read as `MAPPED_EVENT_ID`; throws when the id is not mapped from `$.id`.
 */
export const scheduleTargetInput = (target: Record<string, unknown>): Record<string, unknown> & { detail: Record<string, string> } => {
  const transformer = target['InputTransformer'] as { InputPathsMap: Record<string, string>; InputTemplate: string } | undefined;
  if (!transformer) throw new Error('the schedule target has no input transformer');
  if (transformer.InputPathsMap['id'] !== '$.id') throw new Error(`the event id is not mapped from $.id: ${JSON.stringify(transformer.InputPathsMap)}`);
  return JSON.parse(transformer.InputTemplate.replace('<id>', JSON.stringify(MAPPED_EVENT_ID))) as Record<string, unknown> & { detail: Record<string, string> };
};
