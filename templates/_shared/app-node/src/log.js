// Logs as one JSON object per line on stdout, in the same shape as the Python app's:
// {"time", "level", "logger", "message", ...fields}.
import pino from "pino";

// The Python app's level names are accepted too, so one LOG_LEVEL works for both runtimes.
const ALIASES = { warning: "warn", critical: "fatal" };

export function createLogger(level = "info", destination = undefined) {
  const name = level.trim().toLowerCase() || "info";
  return pino(
    {
      level: ALIASES[name] ?? name,
      base: undefined,
      messageKey: "message",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
