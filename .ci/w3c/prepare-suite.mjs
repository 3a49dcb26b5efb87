// Rewrites an unpacked W3C suite's package.json for an offline install: its `github:` dependencies
// become `file:` paths to the packed copies, mocha moves into dependencies, and the devDependencies
// (linters, report generators) and the package's own mocha config (an allure reporter) are dropped.
//
// usage: node prepare-suite.mjs <suiteDir> <vc-test-suite-implementations.tgz> <data-integrity-test-suite-assertion.tgz>
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [suiteDir, implementationsTgz, assertionTgz] = process.argv.slice(2);
const file = join(suiteDir, 'package.json');
const pkg = JSON.parse(readFileSync(file, 'utf8'));
const local = {
  'vc-test-suite-implementations': `file:${resolve(implementationsTgz)}`,
  'data-integrity-test-suite-assertion': `file:${resolve(assertionTgz)}`,
};
const dependencies = { ...pkg.dependencies };
for (const [name, spec] of Object.entries(dependencies)) {
  if (String(spec).startsWith('github:') || /^[\w-]+\/[\w.-]+$/.test(String(spec))) {
    if (!local[name]) throw new Error(`${pkg.name}: no packed copy for the GitHub dependency ${name} (${spec})`);
    dependencies[name] = local[name];
  }
}
dependencies.mocha ??= pkg.devDependencies?.mocha ?? '^10.0.0';
pkg.dependencies = dependencies;
delete pkg.devDependencies;
delete pkg.mocha;
delete pkg.scripts;
writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
