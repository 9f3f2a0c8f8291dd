import type { FileIR } from '../ir/file';
import { compareSpans } from '../ir/span';
import { effectiveOptions, isEnabled, ruleSettings, type LintConfig } from './config';
import type { Finding, Report, Rule, Severity } from './types';

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

export function runRules(rules: readonly Rule[], ir: FileIR, text: string, config: LintConfig): RuleRun {
  const findings: Finding[] = [];
  const failures: RuleFailure[] = [];
  for (const rule of rules) {
    const { meta } = rule;
    if (!isEnabled(meta, config)) continue;
    const configured = ruleSettings(meta, config)?.severity;
    const base: Severity = configured && configured !== 'off' ? configured : meta.defaultSeverity;
    const collected: Finding[] = [];
    try {
      rule.check({
        ir,
        text,
        options: effectiveOptions(meta, config),
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
    } catch (error) {
      failures.push({ rule: meta.name, message: error instanceof Error ? error.message : String(error) });
    }
  }
  findings.sort((a, b) => compareSpans(a.span, b.span) || a.code.localeCompare(b.code));
  return { findings, failures };
}

/** Moves `reported` by the distance between the rule's default and the configured base. */
function shift(reported: Severity, defaultSeverity: Severity, base: Severity): Severity {
  const rank = Math.min(3, Math.max(0, RANK[reported] - RANK[defaultSeverity] + RANK[base]));
  return (Object.keys(RANK) as Severity[]).find((s) => RANK[s] === rank) ?? reported;
}
