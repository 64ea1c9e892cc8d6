import { Command, CommanderError, Option } from "commander";
import { backupCommand } from "./backup.js";
import { flashCommands } from "./flash.js";
import { gatewayCommand } from "./gateway.js";
import { mqttUsersCommand } from "./mqttUsers.js";
import { simulateCommand } from "./simulate.js";

const program = new Command()
  .name("parking")
  .description("Smart parking: edge gateway, simulator and node tools")
  .showHelpAfterError("(run with --help for usage)")
  .configureOutput({ outputError: (text, write) => write(text) })
  // Usage errors become exceptions handled below, so they exit 2 like every other bad option;
  // set before the commands are added, which inherit it.
  .exitOverride();

gatewayCommand(program);
simulateCommand(program);
flashCommands(program);
mqttUsersCommand(program);
backupCommand(program);

program.addOption(new Option("--debug", "print stack traces").hideHelp());

/**
 * Exit codes: 0 done (help and --version too), 2 for a usage or configuration error (the
 * systemd unit does not restart on it: RestartPreventExitStatus=2), 1 for a failure at run time.
 */
program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    // Commander has printed its message already.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
    return;
  }
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
