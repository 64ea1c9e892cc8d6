import type { Command } from "commander";
import { type RawSettings, resolveSettings, SETTINGS } from "../gateway/src/config/settings.js";
import { isUserFacing } from "../gateway/src/errors.js";
import { startGateway } from "../gateway/src/gateway.js";
import { createLogger } from "../gateway/src/logging/logger.js";

export function gatewayCommand(program: Command): void {
  const command = program
    .command("gateway")
    .description("Run the edge gateway: broker link, lot state, history, API and live stream");
  for (const spec of SETTINGS) {
    const defaultText = spec.defaultText ?? JSON.stringify(spec.default);
    const description = `${spec.description} [env ${spec.env}; default ${defaultText}]`;
    if (spec.kind === "boolean") command.option(spec.flag, description);
    else command.option(`${spec.flag} <value>`, description);
  }
  command.action(async (options: Record<string, string | boolean | undefined>) => {
    const flags: RawSettings = {};
    for (const spec of SETTINGS) {
      const value = options[camel(spec.flag.slice(2))];
      if (value !== undefined) flags[spec.key] = value;
    }
    const { settings, errors } = resolveSettings(flags, process.env);
    if (errors.length > 0) {
      for (const error of errors) console.error(error);
      process.exitCode = 2;
      return;
    }
    const logger = createLogger(settings.logLevel);
    let gateway: Awaited<ReturnType<typeof startGateway>>;
    try {
      gateway = await startGateway(settings, logger);
    } catch (error) {
      if (isUserFacing(error)) {
        logger.debug({ err: error }, "start-up failed");
        console.error(error.message);
      } else {
        logger.fatal({ err: error }, "start-up failed");
      }
      logger.flush?.();
      // Whatever start-up left behind (a half-open socket, a timer) must not keep a failed gateway alive.
      process.exit(1);
    }
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals += 1;
      if (signals > 1) {
        logger.warn(`second ${signal}: exiting without waiting`);
        process.exit(130);
      }
      logger.info(`${signal} received; stopping (send it again to force)`);
      gateway.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, "stop failed");
          process.exit(1);
        },
      );
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}
