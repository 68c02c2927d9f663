#!/usr/bin/env node
// Installs Debian's nats-server when it is missing (as root), or says how.
import { spawnSync } from 'node:child_process';

const has = () => ['nats-server', '/usr/bin/nats-server', '/usr/sbin/nats-server'].some(
  (bin) => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0,
);

if (has()) process.exit(0);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error('grove needs nats-server, which is not installed. Install it with:\n\n  sudo apt-get install -y nats-server\n');
  process.exit(1);
}
console.log('grove: installing nats-server (Debian package) ...');
const apt = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
if (!apt(['install', '-y', '--no-install-recommends', 'nats-server'])) {
  apt(['update']);
  apt(['install', '-y', '--no-install-recommends', 'nats-server']);
}
if (!has()) {
  console.error('grove: could not install nats-server with apt-get; install the Debian package nats-server and try again.');
  process.exit(1);
}
