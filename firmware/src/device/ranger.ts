import { AIR_C, echoToCm } from "../core/index.js";
import { type Pin, pulse, unwatch, watch, write } from "./espruino.js";

export interface Ranger {
  trigger: Pin;
  echo: Pin;
}

/** The sound takes 23 ms to 400 cm and back; later than this there is no echo to wait for. */
const ECHO_TIMEOUT_MS = 25;

/**
 * The trigger starts low: a pin left floating or high at power-on would make the first pulse
 * no edge at all, and the HC-SR04 fires on the rising edge.
 */
export function ranger(trigger: Pin, echo: Pin): Ranger {
  write(trigger, 0);
  return { trigger, echo };
}

/**
 * One ping: the echo pulse's width, timed by the pin interrupt, as cm; null without an echo.
 * A pulse that throws ends the ping as one without an echo, and `onFault` hears why: one bad
 * ping must not stop the measuring loop for good.
 */
export function ping(r: Ranger, cb: (cm: number | null) => void, onFault: (e: unknown) => void): void {
  // No echo means no callback: the timer ends the ping, and only one of the two runs. A watch
  // with repeat false is gone once it fired, and clearWatch of an id that is gone throws, so
  // only the timer, which runs when the watch did not, clears it.
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
  try {
    pulse(r.trigger, 1, 0.01);
  } catch (e) {
    clearTimeout(timer);
    unwatch(id);
    onFault(e);
    cb(null);
  }
}

/**
 * `count` pings, each `gapMs` after the previous one ended, so echoes of one never reach the
 * next. The distances go into a Float32Array (NaN for no echo): 150 of them take about 60
 * JsVars there, against some 300 in an Array of numbers (docs/espruino.md, "Memory").
 */
export function measure(
  r: Ranger,
  count: number,
  gapMs: number,
  cb: (echoes: Float32Array, faults: number, fault: unknown) => void,
): void {
  const echoes = new Float32Array(count);
  let taken = 0;
  let faults = 0;
  let fault: unknown;
  const onFault = (e: unknown): void => {
    faults++;
    fault = e;
  };
  const next = (): void =>
    ping(
      r,
      (cm) => {
        echoes[taken++] = cm === null ? Number.NaN : cm;
        if (taken < count) setTimeout(next, gapMs);
        else cb(echoes, faults, fault);
      },
      onFault,
    );
  next();
}
