// Mocha runs the TypeScript tests through tsx; the summary reporter prints the closing
// "N passed, N failed" line that CI reads.
module.exports = {
  'node-option': ['import=tsx'],
  require: ['test/support/global-fixtures.ts'],
  reporter: 'test/support/summary-reporter.cjs',
  timeout: 60000,
  exit: true,
};
