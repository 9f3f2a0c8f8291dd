import * as fs from 'fs';
import * as path from 'path';

/** Folder names never descended into: tooling, caches and installed packages, not the user's code. */
const SKIPPED_DIR_NAMES: ReadonlySet<string> = new Set([
  'node_modules',
  'site-packages',
  'dist-packages',
  '__pycache__',
  'venv',
  '.venv',
  'env',
  '.env',
  '.tox',
  '.nox',
  '.git',
]);

/** True for a folder that is a Python virtual environment (or conda env), whatever its name. */
export function isVirtualEnvironment(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'pyvenv.cfg')) || fs.existsSync(path.join(dir, 'conda-meta'));
}

/** Whether a folder walk should skip this folder (hidden, virtual environments, installed packages). */
export function isSkippedDirectory(dir: string): boolean {
  const name = path.basename(dir);
  if (name.startsWith('.') && name !== '.' && name !== '..') return true;
  if (SKIPPED_DIR_NAMES.has(name)) return true;
  return isVirtualEnvironment(dir);
}

/** The file kinds NormScope lints. */
export function isLintableFile(file: string): boolean {
  return file.endsWith('.py') || file.endsWith('.ipynb');
}

export function isNotebookFile(file: string): boolean {
  return file.endsWith('.ipynb');
}
