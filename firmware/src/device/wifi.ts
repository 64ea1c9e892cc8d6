import { type WifiModule, wifi } from "./espruino.js";

const FIRST_RETRY_MS = 1000;
const LAST_RETRY_MS = 60000;

export interface Network {
  /** Signal strength of the last join or report, when the Wifi module gives it. */
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
  let rssi: number | undefined;
  let w: WifiModule | undefined;
  try {
    w = wifi();
  } catch {
    w = undefined;
  }
  const refresh = (): void => {
    if (w !== undefined && w.getDetails !== undefined) {
      w.getDetails((d) => {
        rssi = d.rssi;
      });
    }
  };
  const network: Network = {
    rssi: () => {
      refresh();
      return rssi;
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
  const retry = (why: string): void => {
    // A failed join may also raise `disconnected`: one retry for both.
    if (timer !== undefined) return;
    log(`Wi-Fi ${why}; joining again in ${delay / 1000} s.`);
    timer = setTimeout(join, delay);
    delay = Math.min(delay * 2, LAST_RETRY_MS);
  };
  const join = (): void => {
    timer = undefined;
    link.connect(ssid, { password }, (err) => {
      if (err) return retry(`join failed: ${err}`);
      delay = FIRST_RETRY_MS;
      refresh();
      onUp();
    });
  };
  link.on("disconnected", () => retry("disconnected"));
  join();
  return network;
}
