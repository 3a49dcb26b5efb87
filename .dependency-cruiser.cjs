/**
 * The walls between the parts of the code, checked by `npm run lint` (dependency-cruiser).
 *
 * Words used below:
 * - capability folder: any folder under src/ (achievements, credentials, verify, pages, …) other than
 *   the two leaf libraries, src/crypto and src/jsonld, and src/db (the storage all capabilities share);
 * - plain shared modules: src/text.ts, src/dates.ts and src/cache.ts, small helpers with no framework,
 *   storage or capability behind them. They are the only modules outside their own two folders that
 *   src/crypto and src/jsonld may use, and they must stay plain for that to mean anything.
 *   (src/errors.ts, src/config.ts, src/urls.ts, src/untrusted-json.ts, src/validation.ts, src/images.ts,
 *   src/services.ts and src/app.ts are shared too, but not plain: they speak HTTP or know the service.)
 *
 * Type-only imports count as imports: a route that names a database row type depends on the schema.
 */

/** src/crypto and src/jsonld, the leaf libraries. */
const LEAVES = '^src/(crypto|jsonld)/';
/** The plain shared modules (see above). */
const PLAIN_SHARED = '^src/(text|dates|cache|invalid-input|memory)\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    // (1) Routes speak HTTP and call services; they never reach the storage themselves.
    {
      name: 'routes-not-to-db',
      comment: 'A *.routes.ts file imports src/db/** (database handle or row types); go through a service.',
      severity: 'error',
      from: { path: '^src/.+\\.routes\\.ts$' },
      to: { path: '^src/db/' },
    },
    {
      name: 'routes-not-to-repository',
      comment: 'A *.routes.ts file imports a *.repository.ts; go through a service.',
      severity: 'error',
      from: { path: '^src/.+\\.routes\\.ts$' },
      to: { path: '\\.repository\\.ts$' },
    },

    // (2) src/crypto and src/jsonld are libraries: no storage, no framework, no HTTP errors, no capability.
    {
      name: 'leaves-not-to-db',
      comment: 'src/crypto or src/jsonld imports src/db/**; pass what they need in as plain values.',
      severity: 'error',
      from: { path: LEAVES },
      to: { path: '^src/db/' },
    },
    {
      name: 'leaves-not-to-fastify',
      comment: 'src/crypto or src/jsonld imports fastify or an @fastify/* plugin.',
      severity: 'error',
      from: { path: LEAVES },
      to: { path: '(^|/)node_modules/(fastify|@fastify/[^/]+)/' },
    },
    {
      name: 'leaves-not-to-errors',
      comment: 'src/crypto or src/jsonld imports src/errors.ts (HTTP problems); throw plain errors and let the caller map them.',
      severity: 'error',
      from: { path: LEAVES },
      to: { path: '^src/errors\\.ts$' },
    },
    {
      name: 'leaves-not-to-capabilities',
      comment: 'src/crypto or src/jsonld imports a capability folder or a shared module that is not plain (src/text.ts, src/dates.ts, src/cache.ts).',
      severity: 'error',
      from: { path: LEAVES },
      to: { path: '^src/', pathNot: [LEAVES, PLAIN_SHARED, '^src/db/', '^src/errors\\.ts$'] },
    },
    {
      name: 'plain-shared-stays-plain',
      comment:
        'src/text.ts, src/dates.ts or src/cache.ts imports src/db/**, fastify, src/errors.ts or a capability: ' +
        'src/crypto and src/jsonld would reach them through it.',
      severity: 'error',
      from: { path: PLAIN_SHARED },
      to: { path: ['^src/', '(^|/)node_modules/(fastify|@fastify/[^/]+)/'], pathNot: [PLAIN_SHARED] },
    },

    // (3) A migration is a frozen piece of history: it must not change when the code under src/ does.
    {
      name: 'migrations-not-to-src',
      comment: 'A migration imports from src/; copy what it needs into the migration.',
      severity: 'error',
      from: { path: '^migrations/' },
      to: { path: '^src/' },
    },

    // (4) No cycles between the folders under src/ (folder level: a.ts in one folder needing b.ts in
    // another, and c.ts there needing d.ts in the first, is a cycle even when no module cycle exists).
    // Modules directly in src/ aggregate into the folder "src", which depends on nothing under itself,
    // so it closes no cycle; only the folders below it are compared.
    {
      name: 'no-folder-cycles',
      comment: 'Two folders under src/ depend on each other (directly or through others); one of them must give way.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^(src/[^/]+)' },
      to: { path: '^src/[^/]+', pathNot: '^$1(/|$)', circular: true },
    },
  ],
  options: {
    // schemas/ (the HTTP contract as JSON Schema) is read, not followed: it is a sink of the folder
    // graph, so that one folder holding every capability's schemas does not join them all into
    // cycles (the folder rule sees folders, not the modules in them).
    doNotFollow: { path: ['node_modules', '^schemas/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mjs', '.cjs', '.js', '.d.ts'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
