// Runs a refresh again after a delay while the page says there is something to watch (a queued or running run),
// never two at once, and not after stop().

export class Poller {
  constructor(refresh, intervalMs) {
    this.refresh = refresh;
    this.intervalMs = intervalMs;
    this.timer = null;
    this.stopped = false;
  }

  /** Called after each refresh with whether to refresh again. */
  schedule(active) {
    clearTimeout(this.timer);
    this.timer = null;
    if (active && !this.stopped) {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (!this.stopped) this.refresh();
      }, this.intervalMs);
    }
  }

  get active() {
    return this.timer !== null;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = null;
  }
}
