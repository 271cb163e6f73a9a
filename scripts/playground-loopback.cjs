// Preloaded (`node -r`) into the Agents Playground. The playground listens on every interface and has
// no option to choose; it acts as any demo user against a bot without channel-token checks, so it must
// not be reachable from another machine. A listen() that names no host gets loopback.
const net = require('node:net');

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const [first, second] = args;
  if (typeof first === 'object' && first !== null && !('fd' in first) && !('path' in first)) {
    if (first.host === undefined) args[0] = { ...first, host: '127.0.0.1' };
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof second !== 'string') args.splice(1, 0, '127.0.0.1');
  }
  return listen.apply(this, args);
};
