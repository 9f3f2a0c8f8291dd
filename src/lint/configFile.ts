import * as fs from 'fs';
import { parse as parseToml } from 'smol-toml';
import { RULES } from '../rules/catalogue';
import { parseLintConfig, type LintConfig } from '../rules/config';

/**
 * Reads a NormScope configuration from a TOML file: the `[tool.normscope]` table of a
 * `pyproject.toml`, or the top level of a dedicated file.
 */
export function loadConfigFile(file: string): { config: LintConfig; problems: string[] } {
  let raw: unknown;
  try {
    raw = parseToml(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read configuration ${file}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  const table = raw as Record<string, unknown>;
  const tool = table.tool as Record<string, unknown> | undefined;
  const section = tool && typeof tool === 'object' && 'normscope' in tool ? tool.normscope : table;
  return parseLintConfig(section, RULES, file);
}
