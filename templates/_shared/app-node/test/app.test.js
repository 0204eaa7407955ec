// Tests of the HTTP endpoints, with an in-memory store in place of PostgreSQL.
// The project's generator runs this app against a real PostgreSQL server as well (TLS, faults,
// shutdown); these tests are the quick loop while you change the code.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { connectionSettings, DatabaseUnavailable } from "../src/database.js";
import { createLogger } from "../src/log.js";

const config = { port: 0, databaseUrl: "postgresql://db.invalid/app", databasePasswordFile: "", logLevel: "info" };
const quiet = createLogger("silent");

// The Store interface over an array; `up` switches the "database" on and off.
function memoryStore(up) {
  const items = [];
  const available = () => {
    if (!up) throw new DatabaseUnavailable("refused");
  };
  return {
    open() {},
    async close() {},
    async check() {
      if (!up) throw new Error("refused");
    },
    async listItems() {
      available();
      return [...items].reverse();
    },
    async addItem(name) {
      available();
      const item = { id: items.length + 1, name, created_at: "2025-01-01T00:00:00.000Z" };
      items.push(item);
      return item;
    },
  };
}

async function start(databaseOk) {
  const app = createApp(config, { log: quiet, store: memoryStore(databaseOk) });
  const server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  // Readiness is decided in the background: wait for its first check.
  while (app.locals.service.readiness.status().reason === "starting") {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const stop = () => {
    app.locals.service.beginShutdown();
    server.close();
  };
  return { stop, base: `http://127.0.0.1:${server.address().port}` };
}

function post(url, body) {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

describe("with a reachable database", () => {
  let ctx;
  before(async () => {
    ctx = await start(true);
  });
  after(() => ctx.stop());

  it("serves JSON on /", async () => {
    const response = await fetch(`${ctx.base}/`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { service: "{{ cookiecutter.project_slug }}", status: "ok" });
  });

  it("is ready", async () => {
    const response = await fetch(`${ctx.base}/readyz`);
    assert.equal(response.status, 200);
  });

  it("writes and lists items", async () => {
    const created = await post(`${ctx.base}/items`, { name: " first " });
    assert.equal(created.status, 201);
    assert.equal((await created.json()).name, "first");
    await post(`${ctx.base}/items`, { name: "second" });
    const { items } = await (await fetch(`${ctx.base}/items`)).json();
    assert.deepEqual(
      items.map((item) => item.name),
      ["second", "first"],
    );
  });

  it("answers an invalid item with a JSON 400", async () => {
    for (const body of [{}, { name: "" }, { name: 3 }, { name: "x".repeat(201) }]) {
      const response = await post(`${ctx.base}/items`, body);
      assert.equal(response.status, 400);
      assert.match((await response.json()).error, /`name`/);
    }
  });

  it("answers unknown paths with a JSON 404", async () => {
    const response = await fetch(`${ctx.base}/nope`);
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { error: "not found" });
  });

  it("counts requests in /metrics and shows the process", async () => {
    await fetch(`${ctx.base}/`);
    const response = await fetch(`${ctx.base}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type"), /^text\/plain/);
    const body = await response.text();
    assert.match(body, /http_requests_total\{method="GET",route="\/",status="200"\} [1-9]/);
    assert.match(body, /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/",status="200"\}/);
    assert.match(body, /process_resident_memory_bytes/);
  });
});

describe("with an unreachable database", () => {
  let ctx;
  before(async () => {
    ctx = await start(false);
  });
  after(() => ctx.stop());

  it("is alive", async () => {
    const response = await fetch(`${ctx.base}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: "ok" });
  });

  it("is not ready", async () => {
    const response = await fetch(`${ctx.base}/readyz`);
    assert.equal(response.status, 503);
  });

  it("answers /items with a JSON 503", async () => {
    const response = await fetch(`${ctx.base}/items`);
    assert.equal(response.status, 503);
    assert.deepEqual(await response.json(), { error: "database unavailable" });
  });
});

describe("database settings", () => {
  it("refuses a bad DATABASE_URL", () => {
    for (const url of ["", "postgresql://h/d?sslmode=prefer", "postgresql://h/d?sslmode=verify-ca", "not a url"]) {
      assert.throws(() => connectionSettings(url), /DATABASE_URL/);
    }
  });

  it("reads the password file for every connection, over the URL's password", async () => {
    const secret = path.join(mkdtempSync(path.join(tmpdir(), "app-")), "password");
    writeFileSync(secret, "from-file\n");
    const settings = connectionSettings("postgresql://app:in-url@h/d?sslmode=verify-full", secret);
    assert.equal(await settings.password(), "from-file");
    writeFileSync(secret, "rotated\n");
    assert.equal(await settings.password(), "rotated");
    assert.equal(settings.ssl.rejectUnauthorized, true);
  });
});

describe("config", () => {
  it("reads the environment", () => {
    assert.deepEqual(
      loadConfig({ PORT: "9999", DATABASE_URL: "postgresql://x/y", LOG_LEVEL: "DEBUG", DATABASE_PASSWORD_FILE: "/run/secrets/password" }),
      { port: 9999, databaseUrl: "postgresql://x/y", databasePasswordFile: "/run/secrets/password", logLevel: "debug" },
    );
  });
});
