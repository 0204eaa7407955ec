// Process entry point: listen, log to stdout, stop gracefully on SIGTERM and SIGINT.
import { createApp } from "./app.js";
import { loadConfig } from "./config.js";

const config = loadConfig();
const app = createApp(config);
const server = app.listen(config.port, "0.0.0.0", () => {
  console.log(`listening on port ${config.port}`);
});

function shutdown(signal) {
  console.log(`${signal} received, closing the server`);
  // Stop accepting connections, let requests in flight finish, then exit. The timeout stays
  // below Kubernetes' 30-second grace period.
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(1), 20_000).unref();
}

process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
