#!/usr/bin/env node
// The package `bin`: Node cannot run TypeScript without a loader, so register tsx (a devDependency) and then
// load the TypeScript entry. Works from a checkout with dependencies installed.
import { register } from 'tsx/esm/api';

register();
await import('./keyway.ts');
