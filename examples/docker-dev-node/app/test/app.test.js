// Tests of the HTTP endpoints, with the database check replaced.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";

const config = { port: 0, databaseUrl: "postgresql://db.invalid/app", logLevel: "info" };
const quiet = { warn() {} };

async function start(databaseOk) {
  const app = createApp(config, {
    log: quiet,
    databaseCheck: async (url) => {
      assert.equal(url, config.databaseUrl);
      if (!databaseOk) throw new Error("refused");
    },
  });
  const server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return { server, base: `http://127.0.0.1:${server.address().port}` };
}

describe("with a reachable database", () => {
  let ctx;
  before(async () => {
    ctx = await start(true);
  });
  after(() => ctx.server.close());

  it("serves JSON on /", async () => {
    const response = await fetch(`${ctx.base}/`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { service: "my-service", status: "ok" });
  });

  it("is ready", async () => {
    const response = await fetch(`${ctx.base}/readyz`);
    assert.equal(response.status, 200);
  });

  it("counts requests in /metrics", async () => {
    await fetch(`${ctx.base}/`);
    const response = await fetch(`${ctx.base}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type"), /^text\/plain/);
    const body = await response.text();
    assert.match(body, /http_requests_total\{method="GET",route="\/",status="200"\} [1-9]/);
    assert.match(body, /http_request_duration_seconds_bucket/);
  });
});

describe("with an unreachable database", () => {
  let ctx;
  before(async () => {
    ctx = await start(false);
  });
  after(() => ctx.server.close());

  it("is alive", async () => {
    const response = await fetch(`${ctx.base}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: "ok" });
  });

  it("is not ready", async () => {
    const response = await fetch(`${ctx.base}/readyz`);
    assert.equal(response.status, 503);
  });
});

describe("config", () => {
  it("reads the environment", () => {
    assert.deepEqual(loadConfig({ PORT: "9999", DATABASE_URL: "postgresql://x/y", LOG_LEVEL: "DEBUG" }), {
      port: 9999,
      databaseUrl: "postgresql://x/y",
      logLevel: "debug",
    });
  });
});
