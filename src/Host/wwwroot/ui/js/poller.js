// Runs a refresh again after a delay, never two timers at once, and not after stop(): every intervalMs while the page
// says there is something to watch (a queued or running run), every idleMs otherwise (null: not at all), and after a
// failed refresh with a growing delay (intervalMs doubled per failure, at most maxBackoffMs). While the tab is hidden
// nothing runs; a refresh that fell due meanwhile runs as soon as the tab is shown again.

export class Poller {
  constructor(refresh, intervalMs, { idleMs = null, maxBackoffMs = 60000 } = {}) {
    this.refresh = refresh;
    this.intervalMs = intervalMs;
    this.idleMs = idleMs;
    this.maxBackoffMs = maxBackoffMs;
    this.timer = null;
    this.due = false;
    this.failures = 0;
    this.stopped = false;
    this.onVisibility = () => {
      if (!document.hidden && this.due && !this.stopped) {
        this.due = false;
        this.refresh();
      }
    };
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  /** Called after each successful refresh with whether there is something active to watch. */
  schedule(active) {
    this.failures = 0;
    this.after(active ? this.intervalMs : this.idleMs);
  }

  /** Called after a failed refresh: tries again later, waiting longer after each failure in a row. */
  failed() {
    this.failures += 1;
    this.after(Math.min(this.intervalMs * 2 ** this.failures, this.maxBackoffMs));
  }

  after(delayMs) {
    clearTimeout(this.timer);
    this.timer = null;
    this.due = false;
    if (this.stopped || delayMs === null || delayMs === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.stopped) return;
      if (document.hidden) this.due = true;
      else this.refresh();
    }, delayMs);
  }

  /** Whether a refresh is waiting (on its timer or for the tab to be shown). */
  get active() {
    return this.timer !== null || this.due;
  }

  stop() {
    this.stopped = true;
    this.due = false;
    clearTimeout(this.timer);
    this.timer = null;
    document.removeEventListener('visibilitychange', this.onVisibility);
  }
}
