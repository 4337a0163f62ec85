/**
 * cdk-nag AwsSolutions passes on a full synth (bundling and CloudFormation validation on, as with
 * `cdk synth`): no unacknowledged finding, every acknowledgement has a written reason, and none is
 * stale (each silences a finding that really occurs where it is attached).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { stageConfig } from '../../lib/config';
import { ReachStack } from '../../lib/reach-stack';

const app = new App();
new ReachStack(app, 'Reach-dev', { config: stageConfig({}) });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: unknown;
}

const acknowledgements = (root: IConstruct): Acknowledgement[] =>
  root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, unknown>).map(([id, reason]) => ({ path: c.node.path, id: id.replace(/^annotation::/i, ''), reason }))),
  );

describe('cdk-nag AwsSolutions', () => {
  it('synthesizes with the checks registered and reports no violation', () => {
    const assembly = app.synth();
    const reportFile = path.join(assembly.directory, 'validation-report.json');
    if (existsSync(reportFile)) {
      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { pluginReports: Array<{ summary?: { status?: string }; violations?: unknown[] }> };
      for (const plugin of report.pluginReports) expect(plugin.violations ?? []).toEqual([]);
    }
  });

  it('finds no unacknowledged error or warning', () => {
    const result = new AwsSolutionsChecks(app).validateScope(app);
    const findings = result.violations.map((v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings).toEqual([]);
    expect(result.success).toBe(true);
  });

  it('gives every acknowledgement a written reason', () => {
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(typeof ack.reason).toBe('string');
      expect({ ack: `${ack.id} at ${ack.path}`, long: String(ack.reason).trim().length >= 40 }).toEqual({ ack: `${ack.id} at ${ack.path}`, long: true });
    }
  });

  it('has no stale acknowledgement: each matches a finding under the construct it is attached to', () => {
    // The same checks with acknowledgements ignored: the raw findings.
    const raw = new AwsSolutionsChecks(app);
    Object.defineProperty(raw, 'isAcknowledged', { value: () => false });
    const findings = raw.validateScope(app).violations.flatMap((v) => v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '' })));
    for (const ack of acknowledgements(app)) {
      const used = findings.some((f) => f.rule === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)));
      expect({ ack: `${ack.id} at ${ack.path}`, used }).toEqual({ ack: `${ack.id} at ${ack.path}`, used: true });
    }
  });
});
