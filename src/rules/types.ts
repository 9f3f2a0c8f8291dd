import type { FileIR } from '../ir/file';
import type { Span } from '../ir/span';
import type { Where } from '../ir/values';

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
  /** In a notebook: the index of the cell `span` lies in (set by the notebook mapping, never by rules). */
  readonly cell?: number;
}

export interface Fix {
  readonly title: string;
  readonly safe: boolean;
  readonly edits: readonly TextEdit[];
}

export interface RelatedLocation {
  readonly span: Span;
  readonly message: string;
  /** In a notebook: the index of the cell `span` lies in (set by the notebook mapping, never by rules). */
  readonly cell?: number;
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
  /**
   * How a message (its text, related locations, fix titles) cites a place: `line 12` in a
   * Python file, `line 2 of cell 3` in a notebook (whose spans are positions in the program its
   * code cells form together). Rules never print `span.start.line` themselves.
   */
  readonly where: Where;
  /**
   * Only for rules with `phase: 'after-suppressions'` (unused-suppression): every suppression
   * directive of the file and what each of its entries matched. Empty for the other rules.
   */
  readonly suppressions: readonly SuppressionStatus[];
  report(report: Report): void;
}

export interface Rule {
  readonly meta: RuleMeta;
  /**
   * `after-suppressions`: the rule runs once the other rules' findings have been filtered by the
   * suppression comments, and reads `context.suppressions` (only unused-suppression does).
   */
  readonly phase?: 'after-suppressions';
  check(context: RuleContext): void;
}

/** One rule named in a suppression comment, e.g. `NRM101` in `# noqa: E501, NRM101`. */
export interface SuppressionEntry {
  /** As written. */
  readonly selector: string;
  /** Where it is written (inside the comment). */
  readonly span: Span;
  /** The rule it designates (by name or code), or undefined when no rule has that name or code. */
  readonly rule: string | undefined;
}

/**
 * A suppression directive: `# normscope: ignore[NAME-or-CODE, ...]` or `# noqa: CODE, ...`, at
 * the end of a code line or alone on the line above the code line it covers.
 */
export interface Suppression {
  readonly kind: 'normscope' | 'noqa';
  /** The whole comment holding the directive (one comment may hold other text too). */
  readonly comment: Span;
  /** The directive itself, from its `#` to its last character. */
  readonly directive: Span;
  /** True when the comment is alone on its line. */
  readonly ownLine: boolean;
  /** 0-based line whose findings it covers; undefined when an own-line comment precedes no code line. */
  readonly coveredLine: number | undefined;
  /** The rules it names: every selector of a `normscope` directive, the NRM codes (and rule names) of a `noqa` one. */
  readonly entries: readonly SuppressionEntry[];
  /** For `noqa`: the other tools' codes in the same directive, kept when the directive is rewritten. */
  readonly foreignCodes: readonly string[];
}

export type SuppressionEntryState =
  /** It covered at least one finding. */
  | 'used'
  /** Its rule ran and found nothing on the covered line. */
  | 'unused'
  /** No rule has that name or code. */
  | 'unknown'
  /** Its rule did not run (disabled, not selected, or failed): nothing can be said. */
  | 'not-run';

export interface SuppressionStatus {
  readonly suppression: Suppression;
  readonly states: readonly SuppressionEntryState[];
}

export interface Finding {
  /** In a notebook: the index of the cell the finding lies in (set by the notebook mapping). */
  readonly cell?: number;
  readonly code: string;
  readonly rule: string;
  readonly severity: Severity;
  readonly messageId: string;
  readonly message: string;
  readonly span: Span;
  readonly fix?: Fix;
  readonly related: readonly RelatedLocation[];
}
