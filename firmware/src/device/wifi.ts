import { type WifiModule, wifi } from "./espruino.js";

const FIRST_RETRY_MS = 1000;
const LAST_RETRY_MS = 60000;

export interface Network {
  /** Signal strength now, in dBm, while joined; undefined without the Wifi module. */
  rssi(): number | undefined;
}

/**
 * Joins `ssid` and re-joins whenever the link drops, waiting 1 s, then twice as long after each
 * failure up to 60 s. `onUp` runs on every join. With no ssid, or on a build without the Wifi
 * module (Espruino for Linux), the network is whatever the host has: `onUp` runs at once.
 */
export function joinWifi(
  ssid: string,
  password: string,
  log: (line: string) => void,
  onUp: () => void,
): Network {
  let w: WifiModule | undefined;
  try {
    w = wifi();
  } catch {
    w = undefined;
  }
  const network: Network = {
    // getStatus, not getDetails: on the ESP32 port only getStatus carries rssi.
    rssi: () => {
      const status = w === undefined ? undefined : w.getStatus();
      return status !== undefined && typeof status.rssi === "number" ? status.rssi : undefined;
    },
  };
  if (w === undefined || ssid === "") {
    log(w === undefined ? "No Wifi module: network assumed up." : "No wifi.ssid: network assumed up.");
    // Always asynchronous: the caller may not have built what onUp starts yet.
    setTimeout(onUp, 0);
    return network;
  }
  const link = w;
  let delay = FIRST_RETRY_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // The ESP32 port raises `disconnected` before a failed join's callback: while joining, the
  // callback alone speaks, so the log names the join's own reason.
  let joining = false;
  const retry = (why: string): void => {
    if (timer !== undefined) return;
    log(`Wi-Fi ${why}; joining again in ${delay / 1000} s.`);
    timer = setTimeout(join, delay);
    delay = Math.min(delay * 2, LAST_RETRY_MS);
  };
  const join = (): void => {
    timer = undefined;
    joining = true;
    link.connect(ssid, { password }, (err) => {
      joining = false;
      if (err) return retry(`join failed: ${err}`);
      delay = FIRST_RETRY_MS;
      onUp();
    });
  };
  link.on("disconnected", () => {
    if (!joining) retry("disconnected");
  });
  join();
  return network;
}
