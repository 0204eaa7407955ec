// Process entry point: listen, log to stdout, stop gracefully on SIGTERM and SIGINT.
import { createApp } from "./app.js";
import { loadConfig } from "./config.js";
import { createLogger } from "./log.js";

// Below Kubernetes' 30-second grace period, after the deployment's preStop delay.
const GRACE_MS = 20_000;

const config = loadConfig();
const log = createLogger(config.logLevel);
const serverLog = log.child({ logger: "server" });
const app = createApp(config, { log });
const { service } = app.locals;
let closing = false;

const server = app.listen(config.port, "0.0.0.0", () => {
  serverLog.info({ port: config.port }, "listening");
});

// Runs before the app for every request: while closing, every response ends its connection,
// and a connection that turns idle is closed at once instead of lingering on keep-alive.
server.prependListener("request", (req, res) => {
  if (!closing) return;
  res.setHeader("Connection", "close");
});
const inFlight = new Set();
server.prependListener("request", (req, res) => {
  inFlight.add(res);
  res.on("close", () => {
    inFlight.delete(res);
    if (closing) setImmediate(() => server.closeIdleConnections());
  });
});

function shutdown(signal) {
  if (closing) return;
  closing = true;
  serverLog.info({ signal, in_flight: inFlight.size }, "stopping: not ready, finishing requests in flight");
  service.beginShutdown();
  for (const res of inFlight) {
    if (!res.headersSent) res.setHeader("Connection", "close");
  }
  // Stop accepting connections, let requests in flight finish, then exit.
  server.close(async () => {
    await Promise.race([service.close(), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    serverLog.info("stopped");
    process.exit(0);
  });
  server.closeIdleConnections();
  setTimeout(() => {
    serverLog.error({ in_flight: inFlight.size }, "requests still in flight at the deadline; closing them");
    server.closeAllConnections();
    process.exit(1);
  }, GRACE_MS).unref();
}

process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
