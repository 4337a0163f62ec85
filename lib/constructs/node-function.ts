/**
 * The factory every Reach function goes through: one topology entry in, one NodejsFunction out with
 * the secure defaults in one place (Node.js 22 on arm64, local esbuild bundling, source maps, its own
 * log group with retention, active X-Ray tracing, its own role with no AWS managed policy).
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../config';
import type { FunctionDef } from '../topology';
import { nodejsBundling, REPO_ROOT } from './bundling';

export interface ReachFunctionProps {
  readonly def: FunctionDef;
  readonly logRetention: RetentionDays;
  /** The Powertools service name its logs and metrics carry (`serviceName(stage)`). */
  readonly serviceName: string;
}

/** One Lambda function of the topology, with the role and log group that belong to it alone. */
export class ReachFunction extends Construct {
  readonly def: FunctionDef;
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ReachFunctionProps) {
    super(scope, id);
    const { def } = props;
    this.def = def;

    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });

    // A role per function, without AWSLambdaBasicExecutionRole: that managed policy lets a function
    // write to every log group in the account, this one only to its own.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Reach ${def.id}: ${def.description}`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      entry: path.join(REPO_ROOT, def.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      // npm never ships a package's lockfile: installed as a dependency of a team's CDK app, Reach
      // has only its package.json, which still marks the project root for the asset hash.
      depsLockFilePath: existsSync(path.join(REPO_ROOT, 'package-lock.json')) ? path.join(REPO_ROOT, 'package-lock.json') : path.join(REPO_ROOT, 'package.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: def.memoryMb,
      timeout: Duration.seconds(def.timeoutSeconds),
      description: def.description,
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      bundling: nodejsBundling(),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      },
    });

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime the bundles are built for (esbuild target node22) and tested on; a newer runtime is adopted deliberately with a bundle retest, not implicitly.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) use Resource "*": X-Ray defines no resource types for them, see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html',
    });
  }

  /** Adds environment variables to the function (every function gets the full runtime environment). */
  addEnvironment(variables: Readonly<Record<string, string>>): void {
    for (const [key, value] of Object.entries(variables)) this.fn.addEnvironment(key, value);
  }
}
