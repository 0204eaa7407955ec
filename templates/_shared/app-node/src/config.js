// Configuration from the environment (twelve-factor).
// DATABASE_PASSWORD_FILE names a file holding the database password (a mounted Secret); it is read
// again for every new connection, so a rotated secret needs no restart.
export function loadConfig(env = process.env) {
  return {
    port: Number.parseInt(env.PORT ?? "{{ cookiecutter.app_port }}", 10),
    databaseUrl: env.DATABASE_URL ?? "",
    databasePasswordFile: env.DATABASE_PASSWORD_FILE ?? "",
    logLevel: (env.LOG_LEVEL ?? "info").toLowerCase(),
  };
}
