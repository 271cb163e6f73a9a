// Mocha's spec output, then one closing line of our own: "N passed, N failed, N skipped".
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      // After the spec epilogue so it is the last line printed.
      process.nextTick(() => {
        const skipped = pending > 0 ? `, ${pending} skipped` : '';
        process.stdout.write(`${passes} passed, ${failures} failed${skipped}\n`);
      });
    });
  }
}

module.exports = SummaryReporter;
