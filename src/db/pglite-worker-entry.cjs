// The database thread's entry, in plain JavaScript. The thread starts with tsx (execArgv
// --import tsx), whose require hook compiles the TypeScript (as for piscina's signing workers).
require('./pglite-worker.ts');
