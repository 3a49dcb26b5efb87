#!/usr/bin/env node
/**
 * `npm run build`: compiles the TypeScript to JavaScript in dist/ (dist/src, dist/schemas,
 * dist/migrations: the same layout, so paths read relative to a module still hold), and copies the
 * files read at run time beside their modules (JSON-LD contexts, page assets, the compiled OB
 * validators, the PGlite thread's entry). `npm start` is `node bin/build.mjs --start`: it
 * builds only when dist/ is missing or older than a source (comparing modification times takes a
 * few ms), then runs dist/src/main.js in this same process (a second node and npm script would cost
 * ~0.2 s, over a second on a busy machine). `--if-stale` builds when needed, without starting.
 * `--outdir DIR` builds into DIR instead (inside the checkout, so node_modules is found).
 *
 * esbuild (already installed for tsx), file by file and without bundling: it strips types in
 * ~0.2 s where tsc takes seconds (the typecheck stays `npm run typecheck`), and leaves the
 * dependencies in node_modules as they are. Plain JavaScript, so it runs before anything is built.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const stamp = path.join(dist, '.built');

const dirs = [];
/** Every file under `dir` (relative to the root), skipping what is not ours to build. */
function walk(dir, out = []) {
  dirs.push(dir); // a file added or removed changes its directory's time
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (rel !== path.join('schemas', 'vendor')) walk(rel, out);
    } else out.push(rel);
  }
  return out;
}

const sources = [...walk('src'), ...walk('schemas'), ...walk('migrations')];

/** True when dist/ is missing or older than a source (bin/ieum.mjs asks too). */
export function isStale() {
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return [...sources, ...dirs, 'package.json', 'bin/build.mjs'].some((f) => statSync(path.join(root, f)).mtimeMs > built);
}

/**
 * Builds into `outdir` (dist/; a test builds into a directory of its own under .tmp/). Written
 * beside it first, then swapped in, so a service starting meanwhile finds the old build or the new.
 */
export async function build(outdir = dist) {
  const started = performance.now();
  const temporary = `${outdir}.${process.pid}.tmp`;
  const compiled = sources.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  const copied = sources.filter((f) => /\.(cjs|jsonld|css|js)$/.test(f));
  const esbuild = await import('esbuild');
  rmSync(temporary, { recursive: true, force: true });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: compiled,
    outdir: temporary,
    outbase: '.',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  for (const file of copied) {
    mkdirSync(path.dirname(path.join(temporary, file)), { recursive: true });
    copyFileSync(path.join(root, file), path.join(temporary, file));
  }
  writeFileSync(path.join(temporary, '.built'), `${new Date().toISOString()}\n`);
  rmSync(outdir, { recursive: true, force: true });
  renameSync(temporary, outdir);
  await esbuild.stop();
  console.error(`ieum: built ${path.relative(root, outdir)}/ (${compiled.length} modules) in ${(performance.now() - started).toFixed(0)} ms`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--outdir');
  if (at > 0) await build(path.resolve(process.argv[at + 1] ?? ''));
  else if (process.argv.includes('--start')) {
    if (isStale()) await build();
    await import('../dist/src/main.js');
  } else if (!process.argv.includes('--if-stale') || isStale()) await build();
}
