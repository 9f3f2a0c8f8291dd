import { readSourceFile } from '../lint/source';
import { initLinter, lintPython } from '../lint/lint';
import { loadConfigFile } from '../lint/configFile';
import { EMPTY_CONFIG, type LintConfig } from '../rules/config';
import type { Severity } from '../rules/types';
import { parseArgs, USAGE, UsageError, type FailOn, type LintArgs } from './args';
import { collectFiles } from './collectFiles';
import { formatJson, formatText, type FileError, type FileFindings } from './format';

declare const NORMSCOPE_VERSION: string | undefined;

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2, hint: 3 };

export function reachesThreshold(severity: Severity, failOn: FailOn): boolean {
  return failOn !== 'never' && RANK[severity] <= RANK[failOn];
}

interface Io {
  out(text: string): void;
  err(text: string): void;
}

async function lintCommand(args: LintArgs, io: Io): Promise<number> {
  let config: LintConfig = EMPTY_CONFIG;
  if (args.config !== undefined) {
    const loaded = loadConfigFile(args.config);
    for (const problem of loaded.problems) io.err(`normscope: warning: ${problem}\n`);
    config = loaded.config;
  }
  config = {
    ...config,
    ...(args.select ? { select: args.select } : {}),
    ...(args.ignore ? { ignore: [...(config.ignore ?? []), ...args.ignore] } : {}),
  };
  const { files, missing } = collectFiles(args.paths);
  if (missing.length > 0 && files.length === 0) {
    throw new UsageError(`no such file or folder: ${missing.join(', ')}`);
  }
  await initLinter();
  const results: FileFindings[] = [];
  const errors: FileError[] = missing.map((file) => ({ file, message: 'no such file or folder' }));
  for (const file of files) {
    const source = readSourceFile(file);
    if (!source.ok) {
      errors.push({ file, message: source.message });
      continue;
    }
    const result = lintPython(source.text, config);
    for (const failure of result.failures) io.err(`normscope: internal error in rule ${failure.rule} on ${file}: ${failure.message}\n`);
    results.push({ file, findings: result.findings });
  }
  io.out(args.format === 'json' ? formatJson(results, errors) : formatText(results, errors, files.length));
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
      io.out(`${typeof NORMSCOPE_VERSION === 'string' ? NORMSCOPE_VERSION : 'development'}\n`);
      return 0;
    }
    return await lintCommand(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
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
