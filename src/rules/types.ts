import type { FileIR } from '../ir/file';
import type { Span } from '../ir/span';

export type Severity = 'error' | 'warning' | 'info' | 'hint';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info', 'hint'];

/** Ruff-shaped user documentation; `docs/rules/<name>.md` is generated from it. */
export interface RuleDocs {
  readonly whatItDoes: string;
  readonly whyIsThisBad: string;
  readonly example: string;
  readonly useInstead: string;
  /** How safe the offered fix is, or why there is none. */
  readonly fixSafety: string;
  readonly references: readonly { readonly title: string; readonly url: string }[];
}

export interface RuleOption {
  readonly type: 'number' | 'boolean' | 'string';
  readonly default: number | boolean | string;
  readonly description: string;
}

export interface RuleMeta {
  /** Stable code, `NRM` + 3 digits. */
  readonly code: string;
  /** Stable kebab-case name. */
  readonly name: string;
  readonly defaultSeverity: Severity;
  /** One line, shown in the catalogue. */
  readonly summary: string;
  /** Message templates by id; `{{key}}` placeholders are filled from the report's data. */
  readonly messages: Readonly<Record<string, string>>;
  /** `safe`: applying the fix keeps behaviour; `unsafe`: it changes behaviour (on purpose). */
  readonly fix: 'safe' | 'unsafe' | 'none';
  readonly options?: Readonly<Record<string, RuleOption>>;
  readonly docs: RuleDocs;
}

export interface TextEdit {
  readonly span: Span;
  readonly newText: string;
}

export interface Fix {
  readonly title: string;
  readonly safe: boolean;
  readonly edits: readonly TextEdit[];
}

export interface RelatedLocation {
  readonly span: Span;
  readonly message: string;
}

export interface Report {
  readonly messageId: string;
  readonly data?: Readonly<Record<string, string | number>>;
  readonly span: Span;
  readonly fix?: Fix;
  readonly related?: readonly RelatedLocation[];
  /** A lower severity than the rule's, e.g. when the evidence is only inferred. */
  readonly severity?: Severity;
}

export interface RuleContext {
  readonly ir: FileIR;
  readonly text: string;
  /** The rule's options, defaults merged with configuration. */
  readonly options: Readonly<Record<string, number | boolean | string>>;
  report(report: Report): void;
}

export interface Rule {
  readonly meta: RuleMeta;
  check(context: RuleContext): void;
}

export interface Finding {
  readonly code: string;
  readonly rule: string;
  readonly severity: Severity;
  readonly messageId: string;
  readonly message: string;
  readonly span: Span;
  readonly fix?: Fix;
  readonly related: readonly RelatedLocation[];
}
