import { SEVERITIES, type Rule, type RuleMeta, type Severity } from './types';

export interface RuleSettings {
  readonly severity?: Severity | 'off';
  readonly options: Readonly<Record<string, number | boolean | string>>;
}

/**
 * Which rules run and how: the shape shared by `[tool.normscope]` in pyproject.toml, the
 * `normscope.*` VS Code settings and the CLI's `--config`/`--select`/`--ignore`.
 */
export interface LintConfig {
  /** Rule names, codes or code prefixes (`NRM1`); undefined means every rule. */
  readonly select?: readonly string[];
  readonly ignore?: readonly string[];
  /** Per rule, keyed by name or code. */
  readonly rules: Readonly<Record<string, RuleSettings>>;
}

export const EMPTY_CONFIG: LintConfig = { rules: {} };

/** True when `selector` (a name, a code or a code prefix such as `NRM1`) designates the rule. */
export function selectorMatches(selector: string, meta: RuleMeta): boolean {
  const s = selector.trim();
  if (s === meta.name) return true;
  const upper = s.toUpperCase();
  return upper === 'ALL' || (upper.startsWith('NRM') && meta.code.startsWith(upper));
}

export function isEnabled(meta: RuleMeta, config: LintConfig): boolean {
  if (config.select && !config.select.some((s) => selectorMatches(s, meta))) return false;
  if (config.ignore?.some((s) => selectorMatches(s, meta))) return false;
  return ruleSettings(meta, config)?.severity !== 'off';
}

export function ruleSettings(meta: RuleMeta, config: LintConfig): RuleSettings | undefined {
  return config.rules[meta.name] ?? config.rules[meta.code];
}

export function effectiveOptions(meta: RuleMeta, config: LintConfig): Record<string, number | boolean | string> {
  const options: Record<string, number | boolean | string> = {};
  for (const [key, spec] of Object.entries(meta.options ?? {})) options[key] = spec.default;
  for (const [key, value] of Object.entries(ruleSettings(meta, config)?.options ?? {})) {
    const spec = meta.options?.[key];
    if (spec && typeof value === spec.type) options[key] = value;
  }
  return options;
}

function stringList(value: unknown, where: string, problems: string[]): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  problems.push(`${where} must be a list of rule names or codes`);
  return undefined;
}

/**
 * Reads a configuration from untrusted data (parsed TOML or JSON). Unknown rules, options and
 * bad values are reported in `problems` and ignored; the rest still applies.
 */
export function parseLintConfig(raw: unknown, rules: readonly Rule[], where = 'configuration'): { config: LintConfig; problems: string[] } {
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { config: EMPTY_CONFIG, problems };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { config: EMPTY_CONFIG, problems: [`${where} must be a table`] };
  }
  const table = raw as Record<string, unknown>;
  for (const key of Object.keys(table)) {
    if (key !== 'select' && key !== 'ignore' && key !== 'rules') problems.push(`${where}: unknown key '${key}' (expected select, ignore, rules)`);
  }
  const select = stringList(table.select, `${where}: select`, problems);
  const ignore = stringList(table.ignore, `${where}: ignore`, problems);
  const known = (s: string) => rules.some((r) => selectorMatches(s, r.meta));
  for (const s of [...(select ?? []), ...(ignore ?? [])]) {
    if (!known(s)) problems.push(`${where}: unknown rule '${s}'`);
  }
  const ruleTable: Record<string, RuleSettings> = {};
  if (table.rules !== undefined) {
    if (typeof table.rules !== 'object' || table.rules === null || Array.isArray(table.rules)) {
      problems.push(`${where}: rules must be a table`);
    } else {
      for (const [key, value] of Object.entries(table.rules as Record<string, unknown>)) {
        const rule = rules.find((r) => r.meta.name === key || r.meta.code === key.toUpperCase());
        if (!rule) {
          problems.push(`${where}: unknown rule '${key}'`);
          continue;
        }
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          problems.push(`${where}: rules.${key} must be a table`);
          continue;
        }
        let severity: Severity | 'off' | undefined;
        const options: Record<string, number | boolean | string> = {};
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          if (k === 'severity') {
            if (typeof v === 'string' && (v === 'off' || (SEVERITIES as readonly string[]).includes(v))) {
              severity = v as Severity | 'off';
            } else {
              problems.push(`${where}: rules.${key}.severity must be one of off, hint, info, warning, error`);
            }
            continue;
          }
          const spec = rule.meta.options?.[k];
          if (!spec) problems.push(`${where}: rule '${rule.meta.name}' has no option '${k}'`);
          else if (typeof v !== spec.type) problems.push(`${where}: rules.${key}.${k} must be a ${spec.type}`);
          else options[k] = v as number | boolean | string;
        }
        ruleTable[rule.meta.name] = severity === undefined ? { options } : { severity, options };
      }
    }
  }
  const config: LintConfig = {
    ...(select ? { select } : {}),
    ...(ignore ? { ignore } : {}),
    rules: ruleTable,
  };
  return { config, problems };
}

/**
 * `over` on top of `base`, key by key: `over`'s select/ignore replace `base`'s when set, and
 * per rule its severity and each option win (the project file over the editor settings).
 */
export function mergeConfigs(base: LintConfig, over: LintConfig): LintConfig {
  const rules: Record<string, RuleSettings> = { ...base.rules };
  for (const [name, settings] of Object.entries(over.rules)) {
    const below = rules[name];
    const severity = settings.severity ?? below?.severity;
    rules[name] = { ...(severity !== undefined ? { severity } : {}), options: { ...(below?.options ?? {}), ...settings.options } };
  }
  const select = over.select ?? base.select;
  const ignore = over.ignore ?? base.ignore;
  return { ...(select ? { select } : {}), ...(ignore ? { ignore } : {}), rules };
}
