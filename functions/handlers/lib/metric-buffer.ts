/**
 * Metrics recorded during one invocation, grouped by their dimension sets, so that the invocation
 * publishes one EMF record per group (with every value of a metric in it) instead of one per value.
 */
import type { MetricUnit } from '@aws-lambda-powertools/metrics';

/** A metric unit as Powertools names it. */
export type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** One dimension set; Powertools adds the `service` dimension to every set it emits. */
export type Dimensions = Readonly<Record<string, string>>;

export interface MetricSeries {
  readonly unit: Unit;
  readonly values: readonly number[];
}

/** Metrics that share their dimension sets (and so one EMF record). */
export interface MetricGroup {
  readonly dimensionSets: readonly Dimensions[];
  readonly metrics: ReadonlyMap<string, MetricSeries>;
}

interface MutableGroup {
  readonly dimensionSets: readonly Dimensions[];
  readonly metrics: Map<string, { readonly unit: Unit; readonly values: number[] }>;
}

const sortedKeys = (d: Dimensions): Dimensions => Object.fromEntries(Object.entries(d).sort(([a], [b]) => a.localeCompare(b)));

export class MetricBuffer {
  private readonly groups = new Map<string, MutableGroup>();

  /**
   * Records one value of `name`, emitted under every dimension set in `dimensionSets` (EMF lets one
   * value count in several aggregations, e.g. per platform and across platforms).
   */
  add(name: string, unit: Unit, value: number, dimensionSets: readonly Dimensions[]): void {
    const sets = dimensionSets.map(sortedKeys);
    const key = JSON.stringify(sets);
    let group = this.groups.get(key);
    if (!group) {
      group = { dimensionSets: sets, metrics: new Map() };
      this.groups.set(key, group);
    }
    const series = group.metrics.get(name);
    if (series) series.values.push(value);
    else group.metrics.set(name, { unit, values: [value] });
  }

  /** Takes every recorded group out of the buffer. */
  drain(): MetricGroup[] {
    const out = [...this.groups.values()];
    this.groups.clear();
    return out;
  }
}
