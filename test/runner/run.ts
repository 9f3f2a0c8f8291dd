// Runs an extension test suite in a real VS Code extension host, offline: code-server (VS Code's
// server build) on a free loopback port, its workbench opened in headless Chromium through
// playwright-core with the extension-test payload, the suite's output relayed here, a screenshot
// saved to test-results/, and the suite's exit code returned. Everything it starts is killed at
// the end (code-server by its process group), also on failure, timeout or Ctrl+C.
//
// Usage: node out/test/runner/run.js [--extensionDevelopmentPath=DIR] [--extensionTestsPath=FILE] [FOLDER]
// (the same arguments VS Code takes, so that @vscode/test-electron can drive it through
// scripts/code-server-as-vscode.js). Defaults: this repository, its compiled integration suite,
// and a fresh copy of the fixture workspace.
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as util from 'util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { restarted, secondHalfExitCode } from '../integration/restart';
import { ensureTools, InstallError, type Tools } from './install';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const FIXTURE_WORKSPACE = path.join(REPO_ROOT, 'test', 'fixtures', 'workspace');
export const DEFAULT_TESTS_PATH = path.join(REPO_ROOT, 'out', 'test', 'integration', 'index.js');
const RESULTS_DIR = path.join(REPO_ROOT, 'test-results');
/** The suite's line asking for a screenshot (see test/integration/helpers.ts). */
export const SCREENSHOT_REQUEST = 'normscope:screenshot ';

/**
 * Workbench messages not relayed to the console (they all still go to test-results/workbench.log):
 * the workbench's own start-up chatter, and what a machine without internet is expected to see.
 */
const NOISE = [
  /ENOTFOUND/, /open-vsx\.org/, /authentication provider 'github'/i, /getaddrinfo/, /marketplace/i, /queryRawGalleryExtensions/,
  /^Resolv(ing|ed) connection token/, /^Creating a socket/, /^\[reconnection-grace-time\]/, /^Updating additional builtin extensions cache/,
  /^\[Service Worker\]/, /^\[AgentHost/, /^\[AccountPolicyGate\]/,
];

export interface RunOptions {
  readonly extensionDevelopmentPath: string;
  readonly extensionTestsPath: string;
  /** Workspace folder to open; undefined: a fresh copy of the fixture workspace. */
  readonly folder: string | undefined;
  readonly timeoutMs: number;
}

function log(message: string): void {
  console.log(`[integration] ${message}`);
}

/** A fresh copy of the fixture workspace, so that the suite may edit and save its files. */
export function copyFixtureWorkspace(into: string): string {
  const target = path.join(into, 'workspace');
  fs.cpSync(FIXTURE_WORKSPACE, target, { recursive: true });
  return target;
}

export function parseArgs(argv: readonly string[]): RunOptions {
  let extensionDevelopmentPath = REPO_ROOT;
  let extensionTestsPath = DEFAULT_TESTS_PATH;
  let folder: string | undefined;
  for (const arg of argv) {
    const [key, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (key === '--extensionDevelopmentPath' && value) extensionDevelopmentPath = path.resolve(value);
    else if (key === '--extensionTestsPath' && value) extensionTestsPath = path.resolve(value);
    else if (!arg.startsWith('-')) folder = path.resolve(arg);
    // Other VS Code flags (--no-sandbox, --user-data-dir=..., ...) do not apply: the runner
    // always uses private, per-run folders.
  }
  const seconds = Number(process.env.NORMSCOPE_TEST_TIMEOUT_S ?? 600);
  return { extensionDevelopmentPath, extensionTestsPath, folder, timeoutMs: (Number.isFinite(seconds) && seconds > 0 ? seconds : 600) * 1000 };
}

interface RunDirs {
  readonly root: string;
  readonly userData: string;
  readonly extensions: string;
  readonly config: string;
  readonly env: NodeJS.ProcessEnv;
}

function makeRunDirs(): RunDirs {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'normscope-vscode-'));
  const dir = (name: string) => {
    const p = path.join(root, name);
    fs.mkdirSync(p, { recursive: true, mode: 0o700 });
    return p;
  };
  const userData = dir('user-data');
  const extensions = dir('extensions');
  const config = path.join(root, 'config.yaml');
  fs.writeFileSync(config, 'auth: none\ncert: false\n');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  // Quiet, deterministic workbench: no welcome page, no update or extension-gallery checks.
  fs.writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'extensions.ignoreRecommendations': true,
        'security.workspace.trust.enabled': false,
        'git.enabled': false,
        'chat.disableAIFeatures': true,
        'window.restoreWindows': 'none',
        'files.hotExit': 'off',
        // The web workbench saves after a delay by default; the desktop does not. Tests edit
        // buffers and revert them: a save under a slow machine would change the files.
        'files.autoSave': 'off',
      },
      null,
      2,
    ),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TMPDIR: dir('tmp'),
    XDG_CONFIG_HOME: dir('xdg-config'),
    XDG_DATA_HOME: dir('xdg-data'),
    XDG_CACHE_HOME: dir('xdg-cache'),
    XDG_STATE_HOME: dir('xdg-state'),
    XDG_RUNTIME_DIR: dir('xdg-runtime'),
  };
  // Set by VS Code terminals and by `npm`: they must not leak into the server or its extension host.
  for (const key of Object.keys(env)) if (/^(VSCODE_|ELECTRON_)/.test(key)) delete env[key];
  return { root, userData, extensions, config, env };
}

/** Starts code-server in its own process group; resolves with the port it listens on. */
function startCodeServer(tools: Tools, dirs: RunDirs, logFile: fs.WriteStream): { child: ChildProcess; port: Promise<number> } {
  const args = [
    tools.codeServer,
    '--auth', 'none',
    '--bind-addr', '127.0.0.1:0',
    '--user-data-dir', dirs.userData,
    '--extensions-dir', dirs.extensions,
    '--config', dirs.config,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--ignore-last-opened',
    '--vscode-option', 'enable-smoke-test-driver',
  ];
  const env = { ...dirs.env, PATH: `${path.dirname(tools.node)}${path.delimiter}${process.env.PATH ?? ''}` };
  const child = spawn(tools.node, args, { cwd: dirs.root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const port = new Promise<number>((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      logFile.write(chunk);
      buffered += chunk.toString('utf8');
      const match = /HTTP server listening on https?:\/\/127\.0\.0\.1:(\d+)/.exec(buffered);
      if (match) resolve(Number(match[1]));
      if (buffered.length > 1 << 20) buffered = buffered.slice(-4096);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`code-server exited with ${code ?? signal} before listening (see ${logFile.path as string})`)));
  });
  return { child, port };
}

/** Kills a process group: TERM, then KILL if it is still there after `graceMs`. */
async function killGroup(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.pid === undefined) return;
  const pid = child.pid;
  const alive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive()) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no result within ${Math.round(ms / 1000)} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The workbench passes a log call's arguments: a format string (`%s`, `%d`, ...) and its values. */
function formatLogArgs(args: unknown): string {
  const list: unknown[] = Array.isArray(args) ? args : [args];
  return util.format(...list);
}

async function screenshot(page: Page, name: string): Promise<string | undefined> {
  const file = path.join(RESULTS_DIR, name);
  try {
    await withDeadline(page.screenshot({ path: file }), 15_000, 'screenshot');
    return file;
  } catch (error) {
    log(`could not take screenshot ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Copies VS Code's logs of the run to test-results/vscode-logs and relays NormScope's activation line. */
function keepLogs(userData: string): void {
  const target = path.join(RESULTS_DIR, 'vscode-logs');
  try {
    fs.rmSync(target, { recursive: true, force: true });
    const logs = path.join(userData, 'logs');
    if (!fs.existsSync(logs)) return;
    fs.cpSync(logs, target, { recursive: true });
    for (const file of walk(target)) {
      if (!/NormScope\.log$/.test(file)) continue;
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) if (line.includes('NormScope activated in')) log(`extension log: ${line.trim()}`);
    }
  } catch (error) {
    log(`could not keep the logs: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Runs the suite; resolves with the exit code (the suite's, or 1 when the run itself failed). */
export async function runIntegration(options: RunOptions): Promise<number> {
  const started = Date.now();
  let tools: Tools;
  try {
    tools = ensureTools();
  } catch (error) {
    if (error instanceof InstallError) {
      console.error(`[integration] cannot run the real-VS-Code tests: ${error.message}`);
      return 1;
    }
    throw error;
  }
  log(`tools ready in ${((Date.now() - started) / 1000).toFixed(1)} s (cache ${tools.cacheDir})`);
  const testsStarted = Date.now(); // the deadline covers the run, not a first install

  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  // Screenshots of an earlier run must not pass for this run's.
  for (const file of fs.readdirSync(RESULTS_DIR)) if (/^vscode-integration.*\.png$/.test(file)) fs.rmSync(path.join(RESULTS_DIR, file));
  const dirs = makeRunDirs();
  const folder = options.folder ?? copyFixtureWorkspace(dirs.root);
  const serverLog = fs.createWriteStream(path.join(RESULTS_DIR, 'code-server.log'));
  const screenshotAcks = path.join(dirs.root, 'screenshots');
  fs.mkdirSync(screenshotAcks);
  dirs.env.NORMSCOPE_SCREENSHOT_ACK_DIR = screenshotAcks;
  // The suite may restart the workbench between two halves: this runner waits through it.
  dirs.env.NORMSCOPE_RUNNER_RESTARTS = '1';

  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let interrupted = false;
  let stopping = false;
  const cleanup = async () => {
    stopping = true;
    if (browser) await withDeadline(browser.close(), 10_000, 'closing Chromium').catch(() => undefined);
    if (server) await killGroup(server);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    log(`${signal}: stopping`);
    void cleanup().finally(() => {
      fs.rmSync(dirs.root, { recursive: true, force: true, maxRetries: 3 });
      process.exit(130);
    });
  };
  const lastResort = () => {
    // Synchronous: runs even when the process exits without our cleanup having finished.
    if (server?.pid !== undefined) {
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', lastResort);

  try {
    const started2 = startCodeServer(tools, dirs, serverLog);
    server = started2.child;
    const port = await withDeadline(started2.port, 60_000, 'code-server start');
    log(`code-server listening on 127.0.0.1:${port}`);

    browser = await chromium.launch({
      executablePath: tools.chromium,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--no-first-run'],
    });
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const page = await context.newPage();
    const pageLog = fs.createWriteStream(path.join(RESULTS_DIR, 'workbench-console.log'));
    page.on('console', (m) => pageLog.write(`[${m.type()}] ${m.text()}\n`));
    page.on('pageerror', (e) => pageLog.write(`[pageerror] ${e.message}\n`));

    let resolveExit: (code: number) => void = () => undefined;
    const nextExit = (): Promise<number> =>
      new Promise<number>((resolve) => {
        resolveExit = resolve;
      });
    let exited = nextExit();
    const shots: Promise<unknown>[] = [];
    const workbenchLog = fs.createWriteStream(path.join(RESULTS_DIR, 'workbench.log'));
    await page.exposeFunction('codeAutomationLog', (level: unknown, args: unknown) => {
      const text = formatLogArgs(args);
      workbenchLog.write(`[${String(level)}] ${text}\n`);
      if (text.startsWith(SCREENSHOT_REQUEST)) {
        const name = text.slice(SCREENSHOT_REQUEST.length).trim().replace(/[^\w.-]/g, '_');
        shots.push(
          screenshot(page, `${name}.png`).then((file) => {
            if (file) log(`screenshot saved: ${path.relative(REPO_ROOT, file)}`);
            fs.writeFileSync(path.join(screenshotAcks, `${name}.done`), file ?? '');
          }),
        );
        return;
      }
      // Plain text (mocha colours its output when it thinks it runs in CI).
      if (!NOISE.some((n) => n.test(text))) console.log(util.stripVTControlCharacters(text));
    });
    await page.exposeFunction('codeAutomationExit', (code: unknown) => {
      resolveExit(typeof code === 'number' ? code : 1);
    });

    const remote = (p: string) => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(options.extensionDevelopmentPath)],
      ['extensionTestsPath', remote(options.extensionTestsPath)],
    ];
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    log(`opening the workbench on ${folder}`);
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });

    const serverGone = new Promise<number>((resolve) => {
      server?.once('exit', (code, signal) => {
        if (stopping) return;
        log(`code-server exited early with ${code ?? signal}`);
        resolve(1);
      });
    });
    let stopPolling = (): void => undefined;
    const waitForExit = async (also?: Promise<number>): Promise<number | undefined> => {
      const remaining = options.timeoutMs - (Date.now() - testsStarted);
      try {
        return await withDeadline(Promise.race([exited, serverGone, ...(also ? [also] : [])]), Math.max(remaining, 10_000), 'extension tests');
      } catch (error) {
        log(`${error instanceof Error ? error.message : String(error)} (NORMSCOPE_TEST_TIMEOUT_S=${options.timeoutMs / 1000})`);
        await screenshot(page, 'vscode-integration-timeout.png');
        return undefined;
      }
    };
    // A suite may restart the workbench between two halves (test/integration/restart.ts): an exit
    // can then come from the first extension host going away. The run ends when the second half
    // has recorded its result (its own exit may come before or after that record).
    const tmp = dirs.env.TMPDIR ?? os.tmpdir();
    const secondHalfDone = new Promise<number>((resolve) => {
      const timer = setInterval(() => {
        const result = secondHalfExitCode(tmp);
        if (result === undefined) return;
        clearInterval(timer);
        resolve(result);
      }, 250);
      stopPolling = () => clearInterval(timer);
    });
    let code = await waitForExit();
    while (code !== undefined && restarted(tmp) && secondHalfExitCode(tmp) === undefined) {
      log(`the workbench restarted (exit ${code} from the first half): waiting for the second half`);
      exited = nextExit();
      code = await waitForExit(secondHalfDone);
    }
    stopPolling();
    if (code === undefined) return 1;
    // After a restart the second half's record (both halves' counts) is the result.
    if (restarted(tmp)) code = secondHalfExitCode(tmp) ?? code;
    await Promise.all(shots);
    await screenshot(page, 'vscode-integration-end.png');
    log(`extension tests exited with ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
    return code;
  } catch (error) {
    if (interrupted) return 130;
    console.error(`[integration] run failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    console.error(`[integration] code-server log: ${path.relative(REPO_ROOT, serverLog.path as string)}`);
    return 1;
  } finally {
    await cleanup();
    serverLog.end();
    keepLogs(dirs.userData);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('exit', lastResort);
    fs.rmSync(dirs.root, { recursive: true, force: true, maxRetries: 3 });
  }
}

if (require.main === module) {
  runIntegration(parseArgs(process.argv.slice(2))).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
