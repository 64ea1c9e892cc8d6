import { globals, onInit } from "./device/espruino.js";
import { startNode } from "./node.js";

/**
 * Starts the node once per interpreter start. Espruino runs `.bootcde` and then, in the same
 * start-up (jsiSoftInit), the `init` handlers on E: at power-on and on load() both happen, so
 * the init handler registered below would start the node a second time without the flag. The
 * flag lives in the root scope, so a bundle loaded twice without a reset starts once too; a
 * reset or load() clears it. Never save(): it would keep the flag and the old timers.
 */
function start(): void {
  const root = globals();
  if (root.parkingStarted === true) return;
  root.parkingStarted = true;
  startNode();
}

onInit(start);
start();
