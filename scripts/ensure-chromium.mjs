#!/usr/bin/env node
// Installs Debian's chromium when it is missing (as root), or says how: the visualizer's tests
// drive it with playwright-core (`npx playwright install` cannot download here).
import { spawnSync } from 'node:child_process';

const BROWSER = '/usr/bin/chromium';
const has = () => spawnSync(BROWSER, ['--version'], { stdio: 'ignore' }).status === 0;

if (has()) process.exit(0);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error(`grove's visualizer tests need ${BROWSER}, which is not installed. Install it with:\n\n  sudo apt-get install -y chromium\n`);
  process.exit(1);
}
console.log('grove: installing chromium (Debian package) for the visualizer tests ...');
const apt = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
if (!apt(['install', '-y', '--no-install-recommends', 'chromium'])) {
  apt(['update']);
  apt(['install', '-y', '--no-install-recommends', 'chromium']);
}
if (!has()) {
  console.error('grove: could not install chromium with apt-get; install the Debian package chromium and try again.');
  process.exit(1);
}
