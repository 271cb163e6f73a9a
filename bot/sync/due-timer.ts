/**
 * Calls `onDue` once `now()` has reached `dueAt`. Node times a timer with its own millisecond clock,
 * which can fire a millisecond before `Date.now()` reaches the same instant (about one timer in a
 * hundred here); a claim made then finds the account not due yet, and it would wait for the next
 * claim tick. So the timer is armed again for whatever is left.
 */
export function whenDue(
  dueAt: number,
  now: () => number,
  onDue: () => void,
  timers: Set<NodeJS.Timeout>,
): void {
  const timer = setTimeout(
    () => {
      timers.delete(timer);
      if (now() < dueAt) whenDue(dueAt, now, onDue, timers);
      else onDue();
    },
    Math.max(0, dueAt - now()),
  );
  timers.add(timer);
}
