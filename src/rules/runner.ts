import type { FileIR } from '../ir/file';
import { lineWhere, type Where } from '../ir/values';
import { compareSpans } from '../ir/span';
import { effectiveOptions, isEnabled, ruleSettings, type LintConfig } from './config';
import { applySuppressions, entryStates } from './suppressions';
import type { Finding, Report, Rule, Severity, Suppression, SuppressionStatus } from './types';

export interface RuleFailure {
  readonly rule: string;
  readonly message: string;
}

export interface RuleRun {
  readonly findings: Finding[];
  /** Rules that threw: isolated so one broken rule never hides the others' findings. */
  readonly failures: RuleFailure[];
}

export function formatMessage(template: string, data: Readonly<Record<string, string | number>> = {}): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => (key in data ? String(data[key]) : whole));
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2, hint: 3 };

/** The lower of two severities (a configured severity caps a report's own). */
function lower(a: Severity, b: Severity): Severity {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * Runs the enabled rules over a file's IR, isolating each rule's crash. When the file's
 * suppression directives are given, they filter the findings afterwards (ESLint style) and the
 * `after-suppressions` rules (unused-suppression) run on what they matched. `where` renders
 * the places messages cite (see `RuleContext.where`).
 */
export function runRules(rules: readonly Rule[], ir: FileIR, text: string, config: LintConfig, suppressions?: readonly Suppression[], where: Where = lineWhere): RuleRun {
  const findings: Finding[] = [];
  const failures: RuleFailure[] = [];
  const ran = new Set<string>();
  for (const rule of rules) {
    if (rule.phase === 'after-suppressions' || !isEnabled(rule.meta, config)) continue;
    if (runOne(rule, ir, text, config, where, [], findings, failures)) ran.add(rule.meta.name);
  }
  let kept = findings;
  if (suppressions) {
    const outcome = applySuppressions(findings, suppressions);
    kept = outcome.kept;
    const statuses: SuppressionStatus[] = suppressions.map((s) => ({ suppression: s, states: entryStates(s, outcome.used.get(s) ?? [], ran) }));
    const late: Finding[] = [];
    for (const rule of rules) {
      if (rule.phase !== 'after-suppressions' || !isEnabled(rule.meta, config)) continue;
      runOne(rule, ir, text, config, where, statuses, late, failures);
    }
    // A directive may name unused-suppression itself (`# noqa: NRM901`) to keep a directive on purpose.
    kept.push(...applySuppressions(late, suppressions).kept);
  }
  kept.sort((a, b) => compareSpans(a.span, b.span) || a.code.localeCompare(b.code));
  return { findings: kept, failures };
}

/** Runs one rule, appending its findings; false (and a failure entry) when it threw. */
function runOne(
  rule: Rule,
  ir: FileIR,
  text: string,
  config: LintConfig,
  where: Where,
  suppressions: readonly SuppressionStatus[],
  findings: Finding[],
  failures: RuleFailure[],
): boolean {
  const { meta } = rule;
  const configured = ruleSettings(meta, config)?.severity;
  const base: Severity = configured && configured !== 'off' ? configured : meta.defaultSeverity;
  const collected: Finding[] = [];
  try {
    rule.check({
      ir,
      text,
      options: effectiveOptions(meta, config),
      where,
      suppressions,
      report(report: Report) {
        const template = meta.messages[report.messageId];
        if (template === undefined) throw new Error(`rule ${meta.name} reported unknown message id '${report.messageId}'`);
        // A report may lower its severity (inferred evidence) relative to the rule's default;
        // a configured severity replaces the default and keeps that relative lowering.
        const severity = report.severity ? lower(base, shift(report.severity, meta.defaultSeverity, base)) : base;
        collected.push({
          code: meta.code,
          rule: meta.name,
          severity,
          messageId: report.messageId,
          message: formatMessage(template, report.data),
          span: report.span,
          ...(report.fix ? { fix: report.fix } : {}),
          related: report.related ?? [],
        });
      },
    });
    findings.push(...collected);
    return true;
  } catch (error) {
    failures.push({ rule: meta.name, message: error instanceof Error ? error.message : String(error) });
    return false;
  }
}

/** Moves `reported` by the distance between the rule's default and the configured base. */
function shift(reported: Severity, defaultSeverity: Severity, base: Severity): Severity {
  const rank = Math.min(3, Math.max(0, RANK[reported] - RANK[defaultSeverity] + RANK[base]));
  return (Object.keys(RANK) as Severity[]).find((s) => RANK[s] === rank) ?? reported;
}
