#!/usr/bin/env node
// Makes sure Debian's Chromium is installed for the headless-browser tests (webview suite).
// On a fresh machine, as root, installs it with apt-get (the only network this project's test
// run needs besides the npm registry). Prints the executable's path; exits 1 when it cannot.
const { spawnSync } = require('child_process');
const fs = require('fs');

const CANDIDATES = [process.env.NORMSCOPE_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);

function found() {
  return CANDIDATES.find((p) => fs.existsSync(p));
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

function ensureChromium() {
  let exe = found();
  if (exe) return exe;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error('Chromium is missing: install it with `sudo apt-get install -y chromium` (or set NORMSCOPE_CHROMIUM)');
  }
  console.error('Installing Debian chromium for the headless-browser tests (apt-get)…');
  // Another installer (e.g. the integration runner's) may hold the dpkg lock: wait for it.
  const lock = ['-o', 'DPkg::Lock::Timeout=900'];
  if (!run('apt-get', [...lock, 'update', '-qq']) || !run('apt-get', [...lock, 'install', '-y', '-q', 'chromium'])) {
    throw new Error('apt-get could not install chromium');
  }
  exe = found();
  if (!exe) throw new Error('chromium installed but not found at /usr/bin/chromium');
  return exe;
}

module.exports = { ensureChromium };

if (require.main === module) {
  try {
    console.log(ensureChromium());
  } catch (error) {
    console.error(String(error.message ?? error));
    process.exit(1);
  }
}
