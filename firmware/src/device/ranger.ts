import { AIR_C, echoToCm } from "../core/index.js";
import { type Pin, pulse, unwatch, watch } from "./espruino.js";

export interface Ranger {
  trigger: Pin;
  echo: Pin;
}

/** The sound takes 23 ms to 400 cm and back; later than this there is no echo to wait for. */
const ECHO_TIMEOUT_MS = 25;

/** One ping: the echo pulse's width, timed by the pin interrupt, as cm; null without an echo. */
export function ping(r: Ranger, cb: (cm: number | null) => void): void {
  // No echo means no callback: the timer ends the ping, and only one of the two runs.
  const id = watch(
    (e) => {
      clearTimeout(timer);
      cb(echoToCm((e.time - e.lastTime) * 1e6, AIR_C));
    },
    r.echo,
    { repeat: false, edge: "falling" },
  );
  const timer = setTimeout(() => {
    unwatch(id);
    cb(null);
  }, ECHO_TIMEOUT_MS);
  pulse(r.trigger, 1, 0.01);
}

/** `count` pings, each `gapMs` after the previous one ended, so echoes of one never reach the next. */
export function measure(
  r: Ranger,
  count: number,
  gapMs: number,
  cb: (echoes: Array<number | null>) => void,
): void {
  const echoes: Array<number | null> = [];
  const next = (): void =>
    ping(r, (cm) => {
      echoes.push(cm);
      if (echoes.length < count) setTimeout(next, gapMs);
      else cb(echoes);
    });
  next();
}
