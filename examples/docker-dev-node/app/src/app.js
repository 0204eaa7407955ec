// HTTP endpoints: `/`, `/healthz`, `/readyz` and `/metrics`.
import express from "express";
import pg from "pg";
import client from "prom-client";

export const SERVICE_NAME = "my-service";

// Raises when the database cannot answer `SELECT 1` within two seconds.
export async function checkDatabase(databaseUrl) {
  if (!databaseUrl) {
    throw new Error("DATABASE_URL is not set");
  }
  const connection = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2000 });
  try {
    await connection.connect();
    await connection.query("SELECT 1");
  } finally {
    await connection.end().catch(() => {});
  }
}

// Builds the Express application; `databaseCheck` is injectable for tests.
export function createApp(config, { databaseCheck = checkDatabase, log = console } = {}) {
  const app = express();
  app.disable("x-powered-by");
  // One registry per app, so tests can build several apps in one process.
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const requestsTotal = new client.Counter({
    name: "http_requests_total",
    help: "HTTP requests handled, by method, route and status code.",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const latency = new client.Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request latency, by method and route.",
    labelNames: ["method", "route"],
    registers: [registry],
  });

  app.use((req, res, next) => {
    const stop = latency.startTimer();
    res.on("finish", () => {
      const route = req.route?.path ?? "unmatched";
      requestsTotal.inc({ method: req.method, route, status: String(res.statusCode) });
      stop({ method: req.method, route });
    });
    next();
  });

  app.get("/", (req, res) => {
    res.json({ service: SERVICE_NAME, status: "ok" });
  });

  // Liveness: the process answers. Never touches the database, so a database outage does not
  // make Kubernetes restart every pod.
  app.get("/healthz", (req, res) => {
    res.json({ status: "ok" });
  });

  app.get("/readyz", async (req, res) => {
    try {
      await databaseCheck(config.databaseUrl);
      res.json({ status: "ready" });
    } catch (error) {
      log.warn(`readiness check failed: ${error.message}`);
      res.status(503).json({ status: "unavailable", reason: "database unreachable" });
    }
  });

  app.get("/metrics", async (req, res) => {
    res.set("Content-Type", registry.contentType);
    res.send(await registry.metrics());
  });

  return app;
}
