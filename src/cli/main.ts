import * as fs from 'fs';
import * as path from 'path';
import { readSourceFile } from '../lint/source';
import { initLinter } from '../lint/lint';
import { lintFileText } from '../lint/lintFile';
import { isNotebookFile } from '../lint/paths';
import { locateCells } from '../parsing/notebook/ipynbPositions';
import { projectRoot, WorkspaceIndex } from '../parsing/workspace/index';
import { RULES } from '../rules/catalogue';
import { loadConfigFile, ProjectConfigResolver } from '../lint/configFile';
import type { LintConfig } from '../rules/config';
import type { Severity } from '../rules/types';
import { parseArgs, USAGE, UsageError, type FailOn, type LintArgs } from './args';
import { collectFiles } from './collectFiles';
import { simulateCommand, SimulateUsageError } from './simulate';
import { formatJson, formatText, type FileError, type FileFindings } from './format';
import { formatSarif } from './sarif';

declare const NORMSCOPE_VERSION: string | undefined;

function version(): string {
  return typeof NORMSCOPE_VERSION === 'string' ? NORMSCOPE_VERSION : '0.0.0-development';
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2, hint: 3 };

export function reachesThreshold(severity: Severity, failOn: FailOn): boolean {
  return failOn !== 'never' && RANK[severity] <= RANK[failOn];
}

interface Io {
  out(text: string): void;
  err(text: string): void;
}

async function lintCommand(args: LintArgs, io: Io): Promise<number> {
  // --config FILE applies to every file; otherwise each file takes its nearest pyproject.toml.
  const explicit = args.config !== undefined ? loadConfigFile(args.config) : undefined;
  const resolver = new ProjectConfigResolver();
  const reported = new Set<string>();
  const warn = (problems: readonly string[]) => {
    for (const problem of problems) {
      if (reported.has(problem)) continue;
      reported.add(problem);
      io.err(`normscope: warning: ${problem}\n`);
    }
  };
  if (explicit) warn(explicit.problems);
  const withFlags = (config: LintConfig): LintConfig => ({
    ...config,
    ...(args.select ? { select: args.select } : {}),
    ...(args.ignore ? { ignore: [...(config.ignore ?? []), ...args.ignore] } : {}),
  });
  const configFor = (file: string): LintConfig => {
    if (explicit) return withFlags(explicit.config);
    const project = resolver.forFile(file);
    warn(project.problems);
    return withFlags(project.config);
  };
  const { files, missing } = collectFiles(args.paths);
  if (missing.length > 0 && files.length === 0) {
    throw new UsageError(`no such file or folder: ${missing.join(', ')}`);
  }
  await initLinter();
  // Imports between the workspace's own files resolve against each PATH's project root.
  const roots = [...new Set(args.paths.map((p) => projectRoot(fs.existsSync(p) && fs.statSync(p).isDirectory() ? p : path.dirname(p))))];
  const workspace = new WorkspaceIndex(roots);
  const results: FileFindings[] = [];
  const errors: FileError[] = missing.map((file) => ({ file, message: 'no such file or folder' }));
  for (const file of files) {
    const source = readSourceFile(file);
    if (!source.ok) {
      errors.push({ file, message: source.message });
      continue;
    }
    // The file's own imports (what its lookups start from) are read from the tree its lint parses, not parsed again.
    const result = lintFileText(file, source.text, { config: configFor(file), analysis: workspace.analysisFor(file), parsed: (tree) => workspace.noteParsed(file, tree) });
    if (!result.ok) {
      errors.push({ file, message: result.message });
      continue;
    }
    for (const failure of result.failures) io.err(`normscope: internal error in rule ${failure.rule} on ${file}: ${failure.message}\n`);
    const locate = args.format === 'sarif' && isNotebookFile(file) ? locateCells(source.text) : undefined;
    results.push({ file, findings: result.findings, ...(locate ? { locate } : {}) });
  }
  if (args.format === 'json') io.out(formatJson(results, errors));
  else if (args.format === 'sarif') io.out(formatSarif(results, errors, RULES, { cwd: process.cwd(), version: version() }));
  else io.out(formatText(results, errors, files.length));
  const failed = results.some((r) => r.findings.some((f) => reachesThreshold(f.severity, args.failOn)));
  return failed ? 1 : 0;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args.command === 'help') {
      io.out(USAGE + '\n');
      return 0;
    }
    if (args.command === 'version') {
      io.out(`${version()}\n`);
      return 0;
    }
    if (args.command === 'simulate') return await simulateCommand(args, io);
    return await lintCommand(args, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof SimulateUsageError) {
      io.err(`normscope: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    io.err(`normscope: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  }).then((code) => {
    process.exitCode = code;
  });
}
