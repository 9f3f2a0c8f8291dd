import * as fs from 'fs';
import * as path from 'path';
import { parse as parseToml } from 'smol-toml';
import { RULES } from '../rules/catalogue';
import { EMPTY_CONFIG, parseLintConfig, type LintConfig } from '../rules/config';
import type { Rule } from '../rules/types';

export interface LoadedConfig {
  readonly config: LintConfig;
  /** Bad keys or values, each a full sentence naming the file; the rest of the file still applies. */
  readonly problems: string[];
}

function firstLine(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `[tool.normscope]` table of parsed TOML, or undefined when there is none. */
function normscopeTable(raw: Record<string, unknown>): unknown {
  const tool = raw.tool;
  return isTable(tool) && 'normscope' in tool ? tool.normscope : undefined;
}

/**
 * Reads a NormScope configuration from a TOML file: the `[tool.normscope]` table of a
 * `pyproject.toml`, or the top level of a dedicated file. Throws (with a one-line message) only
 * when the file cannot be read or is not TOML.
 */
export function loadConfigFile(file: string, rules: readonly Rule[] = RULES): LoadedConfig {
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read configuration ${file}: ${firstLine(error)}`);
  }
  const section = normscopeTable(raw);
  if (section !== undefined) return parseLintConfig(section, rules, `${file}: [tool.normscope]`);
  if (path.basename(file) === 'pyproject.toml' || isTable(raw.tool) || isTable(raw.project)) {
    return { config: EMPTY_CONFIG, problems: [`${file} has no [tool.normscope] table`] };
  }
  return parseLintConfig(raw, rules, file);
}

export interface ProjectConfig extends LoadedConfig {
  /** The pyproject.toml the configuration came from; undefined when no file above has one. */
  readonly file: string | undefined;
}

const NONE: ProjectConfig = { config: EMPTY_CONFIG, problems: [], file: undefined };

/**
 * Finds the configuration of a file: the nearest `pyproject.toml` above it that has a
 * `[tool.normscope]` table (a pyproject.toml without one is passed over, as Ruff does). Parsed
 * files are cached and re-read when their modification time or size changes.
 */
export class ProjectConfigResolver {
  private readonly parsed = new Map<string, { readonly stamp: string; readonly result: ProjectConfig | undefined }>();

  constructor(private readonly rules: readonly Rule[] = RULES) {}

  /** The configuration for `file` (an absolute or relative path to a file or folder). */
  forFile(file: string): ProjectConfig {
    let dir = path.dirname(path.resolve(file));
    for (;;) {
      const found = this.read(path.join(dir, 'pyproject.toml'));
      if (found) return found;
      const parent = path.dirname(dir);
      if (parent === dir) return NONE;
      dir = parent;
    }
  }

  /** Forgets every cached file (e.g. when a watcher saw a pyproject.toml change). */
  clear(): void {
    this.parsed.clear();
  }

  /** The configuration in `candidate`, or undefined when it does not exist or has no [tool.normscope]. */
  private read(candidate: string): ProjectConfig | undefined {
    let stamp: string;
    try {
      const stat = fs.statSync(candidate);
      if (!stat.isFile()) return undefined;
      stamp = `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
    } catch {
      this.parsed.delete(candidate);
      return undefined;
    }
    const cached = this.parsed.get(candidate);
    if (cached && cached.stamp === stamp) return cached.result;
    let result: ProjectConfig | undefined;
    try {
      const raw = parseToml(fs.readFileSync(candidate, 'utf8')) as Record<string, unknown>;
      const section = normscopeTable(raw);
      result = section === undefined ? undefined : { ...parseLintConfig(section, this.rules, `${candidate}: [tool.normscope]`), file: candidate };
    } catch (error) {
      // A broken pyproject.toml might have held our table: say so, and apply no project configuration.
      result = { config: EMPTY_CONFIG, problems: [`cannot read ${candidate}: ${firstLine(error)}; its [tool.normscope] settings are not applied`], file: candidate };
    }
    this.parsed.set(candidate, { stamp, result });
    return result;
  }
}
