// Mocha reporter for the W3C suites: prints one character per test (. pass, F fail, , pending) and
// writes to $W3C_REPORT a JSON record of every test and hook with its start and end time, so the
// summary can pair a failure with the service's answers logged by the TLS front in that window.
'use strict';
const { writeFileSync } = require('node:fs');
// The suite's own mocha (this file lives outside the suite's node_modules).
const Mocha = require(require.resolve('mocha', { paths: [process.cwd()] }));

const { EVENT_RUN_END, EVENT_SUITE_BEGIN, EVENT_HOOK_BEGIN, EVENT_HOOK_END, EVENT_TEST_BEGIN, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } =
  Mocha.Runner.constants;

const path = (runnable) => (runnable.titlePath ? runnable.titlePath() : [runnable.title]);
const firstLine = (error) =>
  String(error?.message ?? error ?? '')
    .split('\n')
    .find((line) => line.trim() !== '') ?? '';

class W3cReporter extends Mocha.reporters.Base {
  constructor(runner, options) {
    super(runner, options);
    const out = process.env.W3C_REPORT;
    const tests = [];
    const hooks = [];
    const started = new Map();
    const write = (s) => process.stdout.write(s);

    runner.on(EVENT_SUITE_BEGIN, (suite) => {
      if (!suite.root) started.set(suite, Date.now());
    });
    runner.on(EVENT_HOOK_BEGIN, (hook) => started.set(hook, Date.now()));
    runner.on(EVENT_HOOK_END, (hook) => {
      hooks.push({ parent: path(hook.parent), title: hook.title, t0: started.get(hook) ?? Date.now(), t1: Date.now() });
    });
    runner.on(EVENT_TEST_BEGIN, (test) => started.set(test, Date.now()));
    runner.on(EVENT_TEST_PASS, (test) => {
      write('.');
      tests.push({ state: 'passed', titlePath: path(test), t0: started.get(test), t1: Date.now() });
    });
    runner.on(EVENT_TEST_PENDING, (test) => {
      write(',');
      tests.push({ state: 'pending', titlePath: path(test), t0: started.get(test) ?? Date.now(), t1: Date.now() });
    });
    runner.on(EVENT_TEST_FAIL, (test, error) => {
      write('F');
      const isHook = test.type === 'hook';
      // A hook's failure: its window opened at EVENT_HOOK_BEGIN; EVENT_HOOK_END never comes.
      if (isHook) hooks.push({ parent: path(test.parent), title: test.title, t0: started.get(test) ?? Date.now(), t1: Date.now() });
      tests.push({
        state: 'failed',
        hook: isHook,
        titlePath: isHook ? [...path(test.parent), test.title] : path(test),
        t0: started.get(test) ?? Date.now(),
        t1: Date.now(),
        error: firstLine(error),
        errorFull: String(error?.stack ?? error).slice(0, 2000),
      });
    });
    runner.once(EVENT_RUN_END, () => {
      write('\n');
      const stats = this.stats;
      const report = {
        stats: { passes: stats.passes, failures: stats.failures, pending: stats.pending, tests: stats.tests, total: runner.total },
        tests,
        hooks,
      };
      if (out) writeFileSync(out, JSON.stringify(report, null, 1));
    });
  }
}

module.exports = W3cReporter;
