import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { isLintableFile, isSkippedDirectory } from '../lint/paths';

export interface Collected {
  readonly files: string[];
  /** Paths given on the command line that do not exist. */
  readonly missing: string[];
}

/** Of `paths` (all under `cwd`'s git work tree or not), those git ignores; empty when git is unavailable. */
function gitIgnored(paths: readonly string[], cwd: string): Set<string> {
  if (paths.length === 0) return new Set();
  const result = spawnSync('git', ['check-ignore', '--stdin', '-z'], {
    cwd,
    input: paths.join('\0'),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 30_000,
  });
  // Exit 0: some ignored; 1: none ignored; anything else: not a repository or no git.
  if (result.status !== 0 || typeof result.stdout !== 'string') return new Set();
  return new Set(result.stdout.split('\0').filter((s) => s.length > 0).map((p) => path.resolve(cwd, p)));
}

/**
 * Expands PATH arguments into lintable files in a stable order. A file named explicitly is
 * always taken; folders are walked, skipping hidden folders, virtual environments, installed
 * packages and git-ignored paths. File names keep the form given (joined under the folder).
 */
export function collectFiles(inputs: readonly string[]): Collected {
  const files: string[] = [];
  const missing: string[] = [];
  for (const input of inputs) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(input);
    } catch {
      missing.push(input);
      continue;
    }
    if (!stat.isDirectory()) {
      files.push(input);
      continue;
    }
    const found: string[] = [];
    const walk = (dir: string) => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (!isSkippedDirectory(full)) walk(full);
        } else if (entry.isFile() && isLintableFile(entry.name)) {
          found.push(full);
        }
      }
    };
    walk(input);
    const root = path.resolve(input);
    const ignored = gitIgnored(found.map((f) => path.resolve(f)), root);
    files.push(...found.filter((f) => !ignored.has(path.resolve(f))));
  }
  return { files, missing };
}
