/**
 * The emulator's notion of "now". Tests and the control API move it forward to make codes, refresh tokens
 * and access tokens expire without waiting in real time; everything that checks a lifetime reads it here.
 */
export class EmulatorClock {
  private offsetMs = 0;
  private readonly listeners: (() => void)[] = [];

  /** Called after each advance: whatever fires on time (lifecycle notifications) catches up. */
  onAdvance(listener: () => void): void {
    this.listeners.push(listener);
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }

  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
    for (const listener of this.listeners) listener();
  }

  reset(): void {
    this.offsetMs = 0;
  }

  get offsetSeconds(): number {
    return this.offsetMs / 1000;
  }
}
