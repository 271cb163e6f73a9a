// Preloaded (`node -r`) into the Agents Playground. When its output is not a terminal, the playground's
// bundle swaps out `console`, so its start-up errors (e.g. "ConfigFileParseError ... must have required
// property 'version'") vanish and it just exits 1. These writers cannot be replaced, so every message
// reaches the pipe that `npm start` and the tests read.
const { writeSync } = require('node:fs');
const { format } = require('node:util');

function writer(fd) {
  return (...args) => {
    try {
      writeSync(fd, `${format(...args)}\n`);
    } catch {
      // The reader has gone (the stack is stopping): nothing to tell.
    }
  };
}

for (const [name, fd] of [
  ['log', 1],
  ['info', 1],
  ['debug', 1],
  ['warn', 2],
  ['error', 2],
]) {
  const write = writer(fd);
  Object.defineProperty(console, name, {
    get: () => write,
    set() {
      // Ignored: the bundle's replacement would swallow the message.
    },
    configurable: false,
  });
}
