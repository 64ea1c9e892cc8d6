import type { Command } from "commander";
import { defaultBundlePath } from "../firmware/tools/bundle.js";
import { type FlashOptions, flashNode } from "../firmware/tools/flash.js";
import { formatLine, monitorPort } from "../firmware/tools/monitor.js";
import { baudRate, requiredPort } from "../firmware/tools/options.js";
import { listPorts } from "../firmware/tools/ports.js";
import { progressPrinter } from "../firmware/tools/progress.js";

interface FlashFlags extends Omit<FlashOptions, "bundle"> {
  bundle?: string;
  list?: boolean;
}

/** `parking flash` and `parking monitor`: a node on USB. Errors reach main.ts as one sentence. */
export function flashCommands(program: Command): void {
  program
    .command("flash")
    .description("Upload the firmware and settings to a node on USB, then wait for its first report")
    .option("--list", "list serial ports and exit")
    .option("--port <path>", "the node's serial device, e.g. /dev/ttyUSB0")
    .option("--baud <rate>", "console baud rate", "115200")
    .option("--bundle <file>", "firmware bundle [default firmware/dist/parking-node.min.js]")
    .option("--zone <id>", "zone the node reports under")
    .option("--spot <id>", "spot id of the node")
    .option("--wifi-ssid <name>", "Wi-Fi network to join")
    .option("--wifi-password <password>", "Wi-Fi password")
    .option("--mqtt-host <host>", "MQTT broker (the gateway)")
    .option("--mqtt-port <port>", "MQTT broker port", "1883")
    .option("--mqtt-username <name>", "MQTT user name")
    .option("--mqtt-password <password>", "MQTT password")
    .option("--threshold-cm <cm>", "occupied below this distance (default: the firmware's)")
    .option("--no-follow", "do not wait for the first report after the restart")
    .option("--keep-ble", "leave Bluetooth on (by default it is turned off: ~1,800 more JsVars for the node)")
    .action(async (flags: FlashFlags) => {
      if (flags.list) {
        for (const line of await listPorts()) console.log(line);
        return;
      }
      const result = await flashNode(
        { ...flags, bundle: flags.bundle ?? defaultBundlePath() },
        {
          step: (message) => console.log(message),
          progress: progressPrinter(process.stdout),
          deviceLine: (line) => console.log(`  | ${line}`),
        },
      );
      if (result.report) console.log(`First report: ${formatLine(result.report.line, new Date())}`);
      else console.log("Node restarted; `parking monitor` shows its reports.");
    });

  program
    .command("monitor")
    .description("Print what a node on USB sends, with its reports made readable")
    .option("--port <path>", "the node's serial device, e.g. /dev/ttyUSB0")
    .option("--baud <rate>", "console baud rate", "115200")
    .action(async (flags: { port?: string; baud: string }) => {
      const path = requiredPort(flags.port);
      const stop = new AbortController();
      process.once("SIGINT", () => stop.abort());
      await monitorPort(
        { path, baud: baudRate(flags.baud) },
        { line: (text) => console.log(text), notice: (text) => console.error(text) },
        stop.signal,
      );
    });
}
