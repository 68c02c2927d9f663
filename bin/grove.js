#!/usr/bin/env -S node --max-semi-space-size=64
// Young generation of 64 MiB semi-spaces (Node's default: 16): appends and folds make many objects
// that live for a few milliseconds; fewer scavenges copy fewer of them (see docs/development.md).
// grove runs from its TypeScript sources: tsx compiles them on the fly, so there is no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
