import type { MetricSnapshot } from '../model/connection';

/** A stored metric point of one series (a connection, or a post target). */
export interface HistoryPoint {
  readonly at: string;
  readonly snapshot: Omit<MetricSnapshot, 'at'>;
}

/** Metric history: points `t#<ISO>` and one daily snapshot `d#<YYYY-MM-DD>` per series and day. */
export interface HistoryRepository {
  /** Writes a point (kept `retentionDays`) and, when `daily` is set, the day's snapshot (kept longer). */
  append(seriesId: string, point: HistoryPoint, options: { readonly daily: boolean }): Promise<void>;
  /** Points between two instants, oldest first. */
  points(seriesId: string, from: string, to: string): Promise<HistoryPoint[]>;
  /** Daily snapshots between two days (inclusive), oldest first. */
  daily(seriesId: string, fromDay: string, toDay: string): Promise<HistoryPoint[]>;
  /** Deletes the whole series. */
  erase(seriesId: string): Promise<void>;
  /** Deletes points (not daily snapshots) older than `before`; returns how many (or would, in a dry run). */
  deletePointsBefore(seriesId: string, before: string, dryRun: boolean): Promise<number>;
}
