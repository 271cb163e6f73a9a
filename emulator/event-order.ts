/**
 * Tells, across sockets, whether the server read a request after a client could have read an answer.
 *
 * Events are numbered in the order this process saw them. An answer written in one turn of the event
 * loop reaches a client in this process at the next poll phase at the earliest, and a request that
 * client sends once it has read the answer reaches the server at the poll after that. A request read
 * before then may have been sent in the instant before the client read the answer (it crossed it), so
 * the answer's number is taken two check phases after the write: between those two polls.
 */
let last = 0;

export function nextEvent(): number {
  last += 1;
  return last;
}

/** The number after which a request read may come from a client that had read what was just written. */
export function afterClientCouldRead(): Promise<number> {
  return new Promise((resolve) => setImmediate(() => setImmediate(() => resolve(nextEvent()))));
}
