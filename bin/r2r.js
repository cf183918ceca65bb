#!/usr/bin/env node
// the CLI is TypeScript run through tsx's loader, so `r2r` works straight after `npm ci`
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../main/cli/main.ts');
await main(process.argv.slice(2));
