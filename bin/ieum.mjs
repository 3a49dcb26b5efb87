#!/usr/bin/env node
// `npx ieum …`: runs the TypeScript sources through tsx (a dependency), like `npm start` does.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
