import { Command, Option } from "commander";
import { backupCommand } from "./backup.js";
import { flashCommands } from "./flash.js";
import { gatewayCommand } from "./gateway.js";
import { mqttUsersCommand } from "./mqttUsers.js";
import { simulateCommand } from "./simulate.js";

const program = new Command()
  .name("parking")
  .description("Smart parking: edge gateway, simulator and node tools")
  .showHelpAfterError("(run with --help for usage)")
  .configureOutput({ outputError: (text, write) => write(text) });

gatewayCommand(program);
simulateCommand(program);
flashCommands(program);
mqttUsersCommand(program);
backupCommand(program);

program.addOption(new Option("--debug", "print stack traces").hideHelp());

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
