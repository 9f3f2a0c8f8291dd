import type { Severity } from '../rules/types';
import { scanArguments } from './options';
import { parseSimulateArgs, SIMULATE_HELP, SIMULATE_USAGE, type SimulateArgs } from './simulate';

export type FailOn = Severity | 'never';
export type LintFormat = 'text' | 'json' | 'sarif';

export interface LintArgs {
  readonly command: 'lint';
  readonly format: LintFormat;
  readonly failOn: FailOn;
  readonly select?: string[];
  readonly ignore?: string[];
  readonly config?: string;
  readonly paths: string[];
}

export interface HelpArgs {
  readonly command: 'help';
}

export interface VersionArgs {
  readonly command: 'version';
}

export class UsageError extends Error {}

export const USAGE = `Usage:
  normscope lint [--format text|json|sarif] [--fail-on error|warning|info|hint|never]
                 [--select RULES] [--ignore RULES] [--config FILE] PATH...
${SIMULATE_USAGE}
  normscope --help | --version

PATH is a file or a folder; folders yield *.py and *.ipynb files, skipping hidden folders,
virtual environments, site-packages, node_modules and git-ignored paths. RULES is a
comma-separated list of rule names, codes or code prefixes (e.g. NRM4). Without --config,
each file takes the [tool.normscope] table of the nearest pyproject.toml above it.
--format sarif writes SARIF 2.1.0 (for GitHub code scanning).

${SIMULATE_HELP}

Exit codes: 0 nothing at or above --fail-on (default warning), 1 findings at or above it,
2 usage error or internal failure.`;

const FORMATS: readonly LintFormat[] = ['text', 'json', 'sarif'];
const FAIL_ON: readonly FailOn[] = ['error', 'warning', 'info', 'hint', 'never'];

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

export function parseArgs(argv: readonly string[]): LintArgs | SimulateArgs | HelpArgs | VersionArgs {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') return { command: 'help' };
  if (argv[0] === '--version' || argv[0] === '-V') return { command: 'version' };
  const [command, ...rest] = argv;
  if (command === 'simulate') return parseSimulateArgs(rest);
  if (command !== 'lint') throw new UsageError(`unknown command '${command}'`);
  let format: LintFormat = 'text';
  let failOn: FailOn = 'warning';
  let select: string[] | undefined;
  let ignore: string[] | undefined;
  let config: string | undefined;
  const paths: string[] = [];
  const onFlag = (flag: string, value: () => string): boolean => {
    switch (flag) {
      case '--format': {
        const v = value();
        if (!(FORMATS as readonly string[]).includes(v)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
        format = v as LintFormat;
        return true;
      }
      case '--fail-on': {
        const v = value();
        if (!(FAIL_ON as readonly string[]).includes(v)) throw new UsageError(`--fail-on must be one of ${FAIL_ON.join(', ')}`);
        failOn = v as FailOn;
        return true;
      }
      case '--select':
        select = [...(select ?? []), ...list(value())];
        return true;
      case '--ignore':
        ignore = [...(ignore ?? []), ...list(value())];
        return true;
      case '--config':
        config = value();
        return true;
      default:
        return false;
    }
  };
  scanArguments(rest, onFlag, (arg) => paths.push(arg), (message) => new UsageError(message));
  if (paths.length === 0) throw new UsageError('lint needs at least one PATH');
  return {
    command: 'lint',
    format,
    failOn,
    paths,
    ...(select ? { select } : {}),
    ...(ignore ? { ignore } : {}),
    ...(config !== undefined ? { config } : {}),
  };
}
