// Creates an embedded database (PGlite's initdb) in the folder given, then exits. Run as a process
// of its own (pglite-thread.ts): creating grows PGlite's WebAssembly heap to ~4 times what opening
// the database needs, a heap never shrinks, and only a process that ends gives all of it back.
const { PGlite } = require('@electric-sql/pglite');

const pglite = new PGlite(process.argv[2]);
pglite.waitReady
  .then(() => pglite.close())
  .catch((error) => {
    console.error(`could not create the database: ${error.message}`);
    process.exitCode = 1;
  });
