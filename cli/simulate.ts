import type { Command } from "commander";
import { createLogger } from "../gateway/src/logging/logger.js";
import { FAULTS } from "../simulator/src/faults.js";
import { FirmwareFleet, firmwareBroker } from "../simulator/src/firmwareFleet.js";
import { DEFAULT_ZONES } from "../simulator/src/layout.js";
import { DEFAULT_MQTT_URL, resolveSimulateFlags, type SimulateFlags } from "../simulator/src/options.js";
import { PROFILE_NAMES } from "../simulator/src/profiles.js";
import { openSerialSink, type SerialSink } from "../simulator/src/serialSink.js";
import { type RunningSimulator, startSimulator, type Transport } from "../simulator/src/simulator.js";
import { formatStatus } from "../simulator/src/status.js";
import { TruthWriter } from "../simulator/src/truth.js";

interface Flags extends SimulateFlags {
  status: boolean;
  logLevel: string;
}

/** Real seconds between status lines when stderr is not a terminal (a log file, CI). */
const LOG_STATUS_EVERY_MS = 10_000;

/** `parking simulate`: a virtual lot of any size, reporting like real nodes. */
export function simulateCommand(program: Command): void {
  const faultHelp = FAULTS.map((f) => `${f.name} (${f.unit})`).join(", ");
  program
    .command("simulate")
    .description("Simulate a parking lot: traffic, sensor physics, nodes reporting over MQTT or serial")
    .option(
      "--mqtt-url <url>",
      `broker the nodes report to [env PARKING_MQTT_URL; default ${DEFAULT_MQTT_URL}]`,
    )
    .option("--topic-root <root>", "topic root [env PARKING_TOPIC_ROOT; default parking]")
    .option("--zones <spec>", `zones and their spot counts [default "${DEFAULT_ZONES}"]`)
    .option("--spots <n>", "number of spots, instead of --zones")
    .option("--zone-count <k>", "with --spots: how many zones to share them over [default 1]")
    .option("--speed <x>", "simulated seconds per real second [default 1]")
    .option("--duration <time>", "simulated time to run, then stop: 90s, 45m, 8h, 2d [default: until Ctrl-C]")
    .option(
      "--seed <n>",
      "random seed: the same seed and --start give the same run [default: random, printed]",
    )
    .option("--start <time>", "simulated clock at the start: ISO 8601 or HH:MM today [default: now]")
    .option(
      "--profile <name|file>",
      `demand by hour: ${PROFILE_NAMES.join(", ")} or a CSV file [default office]`,
    )
    .option("--transport <kind>", "mqtt or serial [default mqtt]")
    .option(
      "--serial-device <path>",
      "with --transport serial: write here instead of a new pseudo-terminal pair",
    )
    .option(
      "--connections <n>",
      "share N MQTT connections among the nodes [default 0: one per node, as real nodes]",
    )
    .option(
      "--firmware <n>",
      "run the first N spots on the real firmware bundle in Espruino sandboxes [default 0]",
    )
    .option("--faults <list>", `faults to inject, name=rate,...: ${faultHelp} [default none]`)
    .option("--truth <file>", "write every real arrival and departure to this file (JSON lines)")
    .option("--no-status", "no live status line")
    .option("--log-level <level>", "fatal, error, warn, info, debug", "info")
    .action(async (flags: Flags) => {
      const { config, errors } = resolveSimulateFlags(flags, process.env);
      if (config === undefined) {
        for (const error of errors) console.error(error);
        process.exitCode = 2;
        return;
      }
      const logger = createLogger(flags.logLevel, "simulator");
      let truth: TruthWriter | undefined;
      let sink: SerialSink | undefined;
      let simulator: RunningSimulator;
      try {
        if (config.truth !== undefined) truth = await TruthWriter.open(config.truth);
        let transport: Transport;
        if (config.transport === "serial") {
          sink = await openSerialSink({ device: config.serialDevice });
          transport = { kind: "serial", sink };
          logger.info(
            { device: sink.device },
            `nodes write JSON lines to ${sink.device}; run the gateway with --serial ${sink.gatewayPath}`,
          );
        } else {
          transport = { kind: "mqtt", url: config.mqttUrl, connections: config.connections };
        }
        const broker = firmwareBroker(config.mqttUrl);
        simulator = await startSimulator({
          ...config,
          transport,
          truth,
          logger,
          firmwareFleet:
            config.firmware > 0 && typeof broker !== "string"
              ? () => new FirmwareFleet({ ...broker, topicRoot: config.topicRoot })
              : undefined,
          onConnecting: (connected, total) => {
            if (flags.status && process.stderr.isTTY)
              process.stderr.write(`\r\x1b[2Kconnecting ${connected}/${total} nodes`);
          },
        });
      } catch (error) {
        await sink?.close().catch(() => undefined);
        await truth?.close().catch(() => undefined);
        console.error(error instanceof Error ? error.message : String(error));
        process.exit(1);
      }
      logger.info(
        `seed ${config.seed}: repeat this run with --seed ${config.seed} --start ${new Date(config.startMs).toISOString()}`,
      );

      const tty = process.stderr.isTTY === true;
      let lastLogged = 0;
      const ticker = setInterval(() => {
        if (!flags.status) return;
        const line = formatStatus(simulator.status());
        if (tty) process.stderr.write(`\r\x1b[2K${line}`);
        else if (Date.now() - lastLogged >= LOG_STATUS_EVERY_MS) {
          lastLogged = Date.now();
          process.stderr.write(`${line}\n`);
        }
      }, 1000);

      let signals = 0;
      const stop = (why: string, code: number): void => {
        clearInterval(ticker);
        if (tty && flags.status) process.stderr.write("\n");
        logger.info(`${why}; stopping: nodes leave cleanly, the truth file is flushed`);
        simulator.stop().then(
          () => {
            if (flags.status) process.stderr.write(`${formatStatus(simulator.status())}\n`);
            process.exit(code);
          },
          (error: unknown) => {
            console.error(error instanceof Error ? error.message : String(error));
            process.exit(1);
          },
        );
      };
      const onSignal = (signal: NodeJS.Signals): void => {
        signals += 1;
        if (signals > 1) process.exit(130);
        stop(`${signal} received`, 0);
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      simulator.finished.then(() => {
        if (signals === 0) stop("simulated duration reached", 0);
      });
    });
}
