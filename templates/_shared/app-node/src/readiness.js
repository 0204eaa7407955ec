// Readiness, decided in the background: `/readyz` reads the last result and never waits.
// A probe that waited on the database would keep a connection and a request open for as long as
// the database hangs, for every probe and every load-balancer health check. Here one check runs
// every `interval` ms; one that takes longer than `timeout` makes the service not ready at once,
// and no second check starts until it settles.
export class Readiness {
  #check;
  #interval;
  #timeout;
  #log;
  #ready = false;
  #reason = "starting";
  #stopping = false;
  #timer;

  constructor(check, { interval, timeout, log }) {
    this.#check = check;
    this.#interval = interval;
    this.#timeout = timeout;
    this.#log = log;
  }

  start() {
    this.#loop();
  }

  // Not ready from now on (shutdown): load balancers stop sending new requests.
  stop() {
    this.#stopping = true;
    this.#ready = false;
    this.#reason = "shutting down";
    clearTimeout(this.#timer);
    this.#log.info({ reason: this.#reason }, "not ready");
  }

  status() {
    return { ready: this.#ready, reason: this.#reason };
  }

  #set(ready, reason) {
    if (this.#stopping) return;
    const changed = ready !== this.#ready || reason !== this.#reason;
    this.#ready = ready;
    this.#reason = reason;
    // Changes only: a database down for an hour is one line, not one a second.
    if (changed && ready) this.#log.info("ready");
    else if (changed) this.#log.warn({ reason }, "not ready");
  }

  async #loop() {
    while (!this.#stopping) {
      await this.#checkOnce();
      if (this.#stopping) return;
      await new Promise((resolve) => {
        this.#timer = setTimeout(resolve, this.#interval);
        this.#timer.unref();
      });
    }
  }

  async #checkOnce() {
    const attempt = this.#check().then(
      () => null,
      (error) => error,
    );
    let timer;
    const late = new Promise((resolve) => {
      timer = setTimeout(() => resolve("late"), this.#timeout);
    });
    let outcome = await Promise.race([attempt, late]);
    clearTimeout(timer);
    if (outcome === "late") {
      this.#set(false, `the database did not answer within ${this.#timeout / 1000} s`);
      // Wait for the hung check instead of starting more: one check, however long it hangs.
      outcome = await attempt;
    }
    if (outcome) this.#set(false, `database unreachable: ${outcome.message}`);
    else this.#set(true, "ready");
  }
}
