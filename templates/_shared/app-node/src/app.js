// HTTP endpoints: `/`, `/healthz`, `/readyz`, `/items` and `/metrics`.
import { STATUS_CODES } from "node:http";

import express from "express";
import client from "prom-client";

import { Database, DatabaseUnavailable } from "./database.js";
import { Readiness } from "./readiness.js";

export const SERVICE_NAME = "{{ cookiecutter.project_slug }}";
const NAME_MAX = 200;
// The database is checked this often, and is "not ready" when a check takes longer.
export const READINESS_INTERVAL_MS = 1000;
// Longer than waiting for a connection (2 s), so a refused connection reports its own reason.
export const READINESS_TIMEOUT_MS = 3000;

// The parts with a lifetime: the database pool and the readiness checker.
export class Service {
  constructor(store, log) {
    this.store = store;
    this.readiness = new Readiness(() => store.check(), {
      interval: READINESS_INTERVAL_MS,
      timeout: READINESS_TIMEOUT_MS,
      log: log.child({ logger: "service.readiness" }),
    });
  }

  // Connects and starts checking readiness; neither waits for the database.
  start() {
    this.store.open();
    this.readiness.start();
  }

  // On SIGTERM: not ready, so no new traffic, while requests in flight finish.
  beginShutdown() {
    this.readiness.stop();
  }

  // After the last request: close the database connections.
  async close() {
    await this.store.close();
  }
}

// Builds the Express application and starts its service; `store` is injectable for tests.
export function createApp(config, { log, store } = {}) {
  const service = new Service(
    store ?? new Database(config.databaseUrl, config.databasePasswordFile, { log: log.child({ logger: "service.database" }) }),
    log,
  );
  const serviceLog = log.child({ logger: "service" });
  const accessLog = log.child({ logger: "access" });
  const app = express();
  app.disable("x-powered-by");
  app.locals.service = service;
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
    help: "HTTP request latency, by method, route and status code.",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });

  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = req.route?.path ?? "unmatched";
      const status = String(res.statusCode);
      requestsTotal.inc({ method: req.method, route, status });
      latency.observe({ method: req.method, route, status }, seconds);
      accessLog.info(
        { method: req.method, path: req.path, route, status: res.statusCode, duration_ms: Math.round(seconds * 1e6) / 1000 },
        `${req.method} ${req.path} ${status}`,
      );
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

  app.get("/readyz", (req, res) => {
    const { ready, reason } = service.readiness.status();
    if (ready) res.json({ status: "ready" });
    else res.status(503).json({ status: "unavailable", reason });
  });

  app.get("/items", async (req, res) => {
    res.json({ items: await service.store.listItems() });
  });

  app.post("/items", express.json({ limit: "16kb" }), async (req, res) => {
    const name = req.body?.name;
    if (typeof name !== "string" || name.trim().length < 1 || name.trim().length > NAME_MAX) {
      res.status(400).json({ error: `\`name\` must be a string of 1 to ${NAME_MAX} characters` });
      return;
    }
    res.status(201).json(await service.store.addItem(name.trim()));
  });

  app.get("/metrics", async (req, res) => {
    res.set("Content-Type", registry.contentType);
    res.send(await registry.metrics());
  });

  app.use((req, res) => {
    res.status(404).json({ error: "not found" });
  });

  // Express 5 passes rejected promises of async handlers here.
  app.use((error, req, res, next) => {
    if (res.headersSent) return next(error);
    if (error instanceof DatabaseUnavailable) {
      serviceLog.warn({ reason: error.message }, "database unavailable");
      res.status(503).json({ error: "database unavailable" });
      return;
    }
    const status = error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) serviceLog.error({ err: error }, "unhandled error");
    res.status(status).json({ error: (STATUS_CODES[status] ?? "error").toLowerCase() });
  });

  service.start();
  return app;
}
