/**
 * Events: Reach's own EventBridge bus (`reach-{stage}`: connection.*, metrics.synced,
 * followers.anomaly, post.*) and the scheduled rules of the stage's schedules (`topology.schedules`
 * with the configured cadences applied), which invoke the planners with the schedule's constant
 * input as the event's `detail`.
 */
import { CfnOutput, CfnResource, Duration } from 'aws-cdk-lib';
import { EventBus, EventField, Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import type { ReachFunction } from '../constructs/node-function';
import type { FunctionId, ScheduleDef } from '../topology';

export const EVENT_BUS_LOGICAL_ID = 'EventBus';

/** The EventBridge schedule expression of a topology schedule. */
export const scheduleExpression = (every: ScheduleDef['every']): Schedule =>
  'minutes' in every ? Schedule.rate(Duration.minutes(every.minutes)) : Schedule.cron({ minute: '0', hour: String(every.dailyAtUtcHour) });

/** The constant input a schedule's target receives: shaped like an EventBridge event, detail = input. */
export const scheduleInput = (def: ScheduleDef) => ({
  // The rule's own event id, mapped in: each run logs and correlates under it.
  id: EventField.eventId,
  'detail-type': 'Scheduled Event',
  source: 'reach.schedule',
  detail: { scheduleId: def.id, ...def.input },
});

export class Events extends Construct {
  readonly bus: EventBus;

  constructor(scope: Construct, id: string, props: { readonly stage: string }) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', { eventBusName: `reach-${props.stage}`, description: 'Reach lifecycle events: connections, metrics, posts' });
    (this.bus.node.defaultChild as CfnResource).overrideLogicalId(EVENT_BUS_LOGICAL_ID);
    new CfnOutput(this, 'BusName', { value: this.bus.eventBusName, description: 'EventBridge bus with Reach lifecycle events' });
  }

  /**
   * Creates one rule per schedule (on the default bus, where schedules run) targeting its function.
   * `defs` are the stage's schedules (`StageConfig.schedules`): a turned-off schedule is absent, and
   * a rule keeps its construct id when only its cadence changes.
   */
  addSchedules(targets: Readonly<Record<FunctionId, ReachFunction>>, defs: readonly ScheduleDef[]): void {
    for (const def of defs) {
      new Rule(this, `Schedule-${def.id}`, {
        description: `Reach schedule ${def.id}: ${targets[def.target].def.description}`,
        schedule: scheduleExpression(def.every),
        targets: [
          new LambdaFunction(targets[def.target].fn, {
            event: RuleTargetInput.fromObject(scheduleInput(def)),
            // A missed tick is covered by the next one; retrying a stale one for long only piles up work.
            retryAttempts: 2,
            maxEventAge: Duration.minutes(5),
          }),
        ],
      });
    }
  }
}
