// Configuration from the environment (twelve-factor): nothing is read from files.
export function loadConfig(env = process.env) {
  return {
    port: Number.parseInt(env.PORT ?? "8000", 10),
    databaseUrl: env.DATABASE_URL ?? "",
    logLevel: (env.LOG_LEVEL ?? "info").toLowerCase(),
  };
}
