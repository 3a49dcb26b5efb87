#!/usr/bin/env node
// `npx ieum …`: the compiled CLI (dist/, `npm run build`; `npm start` builds it) when it is there and
// up to date, else the TypeScript sources through tsx (a dependency).
import { isStale } from './build.mjs';

if (isStale()) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
} else {
  await import('../dist/src/cli/main.js');
}
