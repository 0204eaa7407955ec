// PostgreSQL access: connection settings, a connection pool, migrations and the items table.
import { readdir, readFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import pg from "pg";
import { parse } from "pg-connection-string";

// What `sslmode` may be, with the meaning documented in README.md; the same four in the Python
// app (libpq). libpq's `allow` and `prefer` fall back to plain text silently, so they are refused.
export const SSLMODES = ["disable", "require", "verify-ca", "verify-full"];
// Waiting for a connection (from the pool, or a new one) never takes longer than this.
export const CONNECT_TIMEOUT_MS = 2000;
// A query that runs longer is cancelled by the server, or given up by the client if the server
// does not answer at all: no request holds a connection for ever.
const STATEMENT_TIMEOUT_MS = 5000;
// Any fixed number: replicas starting together take this lock, so one of them migrates. The same
// number as the Python app's, so the two never migrate one database at once.
const MIGRATION_LOCK = 727001;
const MIGRATIONS = fileURLToPath(new URL("../migrations/", import.meta.url));
const ITEM_COLUMNS = `id::int AS id, name,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at`;

export class DatabaseUnavailable extends Error {}

// TLS options with libpq's meaning of `sslmode` (node-postgres alone verifies fully for
// `require`, so a managed database's CA fails where libpq connects). The CA bundle is read for
// each new connection, as libpq does: a getter, because node-postgres copies these options.
function tlsOptions(sslmode, sslrootcert, host) {
  if (sslmode === "disable") return false;
  const ca = sslrootcert ? { get ca() { return readFileSync(sslrootcert); } } : {};
  const anyName = { checkServerIdentity: () => undefined };
  // verify-full: the name checked is the URL's host, an IP address included (libpq checks IP
  // SANs too); node-postgres sends no SNI name for an IP and Node.js would check "localhost".
  // Without a CA bundle it trusts Node.js's public CAs (libpq: `sslrootcert=system`).
  if (sslmode === "verify-full") return { rejectUnauthorized: true, host, ...ca };
  if (sslmode === "verify-ca") return { rejectUnauthorized: true, ...ca, ...anyName };
  // `require`: encrypted, not verified; as in libpq, a CA bundle given with it is checked.
  return sslrootcert ? { rejectUnauthorized: true, ...ca, ...anyName } : { rejectUnauthorized: false };
}

// node-postgres settings for every new connection, checked once: a bad URL fails at start.
// The password comes from `passwordFile` when it is set, read for each new connection so a rotated
// secret applies without a restart; it overrides any password in the URL.
export function connectionSettings(databaseUrl, passwordFile = "") {
  if (!databaseUrl) throw new Error("DATABASE_URL is not set");
  let url;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error("DATABASE_URL is not a valid PostgreSQL URL");
  }
  if (!["postgresql:", "postgres:"].includes(url.protocol)) {
    throw new Error("DATABASE_URL is not a valid PostgreSQL URL: it must start with postgresql://");
  }
  const sslmode = url.searchParams.get("sslmode") ?? "disable";
  if (!SSLMODES.includes(sslmode)) {
    throw new Error(`DATABASE_URL: sslmode must be one of ${SSLMODES.join(", ")}, not '${sslmode}'`);
  }
  const sslrootcert = url.searchParams.get("sslrootcert") ?? "";
  // "Signed by some public CA", whoever it was issued to, proves nothing: as libpq, which
  // refuses verify-ca with its system roots.
  if (sslmode === "verify-ca" && !sslrootcert) {
    throw new Error("DATABASE_URL: sslmode=verify-ca needs sslrootcert=<CA bundle>");
  }
  // TLS is decided above; pg-connection-string parses the rest (user, host, port, database).
  for (const key of ["sslmode", "sslrootcert", "ssl"]) url.searchParams.delete(key);
  const params = parse(url.toString());
  const password = passwordFile
    ? async () => (await readFile(passwordFile, "utf8")).replace(/\r?\n$/, "")
    : params.password;
  return {
    ...params,
    port: params.port ? Number.parseInt(params.port, 10) : 5432,
    password,
    ssl: tlsOptions(sslmode, sslrootcert, params.host),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: STATEMENT_TIMEOUT_MS + 1000,
    // A peer that vanishes (a node lost, a failover) is noticed in seconds, not hours.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

// A small pool of connections, the migrations and the queries of the service.
export class Database {
  #pool;
  #migrated = false;
  #log;

  constructor(databaseUrl, passwordFile, { log, max = 4 } = {}) {
    this.#log = log;
    this.#pool = new pg.Pool({ ...connectionSettings(databaseUrl, passwordFile), max });
    // An idle connection that breaks (the server restarts) must not crash the process.
    this.#pool.on("error", (error) => log.warn({ reason: error.message }, "idle database connection lost"));
  }

  open() {}

  async close() {
    await this.#pool.end();
  }

  // Rejects unless the database answers; migrates first if that has not happened yet.
  async check() {
    await this.#withClient(async (client) => {
      if (!this.#migrated) {
        await migrate(client, this.#log);
        this.#migrated = true;
      }
      await client.query("SELECT 1");
    });
  }

  // The newest items first.
  async listItems(limit = 100) {
    return this.#withClient(async (client) => {
      const result = await client.query(`SELECT ${ITEM_COLUMNS} FROM items ORDER BY id DESC LIMIT $1`, [limit]);
      return result.rows;
    });
  }

  // Inserts one item and returns it as stored.
  async addItem(name) {
    return this.#withClient(async (client) => {
      const result = await client.query(`INSERT INTO items (name) VALUES ($1) RETURNING ${ITEM_COLUMNS}`, [name]);
      return result.rows[0];
    });
  }

  // A timeout, a lost connection and a cancelled statement all mean "try later".
  async #withClient(work) {
    let client;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw new DatabaseUnavailable(error.message);
    }
    let broken;
    try {
      return await work(client);
    } catch (error) {
      // Errors the server reported (a constraint, a syntax error) leave the connection usable.
      if (error instanceof pg.DatabaseError && error.code !== "57014") throw error;
      broken = error;
      throw new DatabaseUnavailable(error.message);
    } finally {
      client.release(broken);
    }
  }
}

// Applies the migrations not applied yet, in file-name order, each recorded once.
export async function migrate(client, log, directory = MIGRATIONS) {
  const files = (await readdir(directory)).filter((name) => name.endsWith(".sql")).sort();
  const applied = [];
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await client.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const done = new Set((await client.query("SELECT version FROM schema_migrations")).rows.map((row) => row.version));
    for (const file of files) {
      const version = path.basename(file, ".sql");
      if (done.has(version)) continue;
      await client.query(await readFile(path.join(directory, file), "utf8"));
      await client.query("INSERT INTO schema_migrations (version) VALUES ($1)", [version]);
      applied.push(version);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
  for (const version of applied) log.info({ migration: version }, "applied migration");
  return applied;
}
