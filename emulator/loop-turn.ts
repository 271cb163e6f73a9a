/**
 * Numbers the turns of this process's event loop, for telling what happened in which order across
 * sockets. Everything that calls `loopTurn()` before the loop's next check phase gets the same number;
 * later calls get a larger one. A request read in a later turn than an answer was written in reached
 * the server after that write: the earlier turn's poll had already collected every socket with data.
 * A request read in the same turn may have been waiting in the socket before the write.
 */
let turn = 0;
let open = false;

export function loopTurn(): number {
  if (!open) {
    open = true;
    turn += 1;
    setImmediate(() => {
      open = false;
    });
  }
  return turn;
}
