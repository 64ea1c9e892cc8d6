// The parts of an ESP32 that a host build of Espruino lacks, for the real-interpreter tests.
// Written into Storage as `.boot0`, which Espruino runs before `.bootcde` at every start
// (src/jsflash.c, jsfLoadBootCodeFromFlash), so it survives `load()` as the bundle does.
// It stubs only what the host cannot do: the Wifi module, the ESP32 object and the HC-SR04
// echo. Everything else (timers, setWatch, clearWatch, Storage, net, the console) is the real
// interpreter's. The test steers it through files in the working directory:
//   echo   a distance in cm, "none" (no echo comes back) or "throw" (the pulse throws)
//   wifi   "ok", or "fail <reason>" for a join that fails
// and reads what it does from console lines that start with "HOST ".
(() => {
  const fs = require("fs");
  const read = (name, fallback) => {
    try {
      const text = fs.readFileSync(name);
      return text === undefined ? fallback : String(text).trim();
    } catch (e) {
      return fallback;
    }
  };
  const settings = require("Storage").readJSON("parking.json", true) || {};
  const echoPin = settings.pins && settings.pins.echo ? settings.pins.echo : "D18";

  // setWatch and clearWatch stay the interpreter's own: the stub only remembers which watch
  // waits on the echo pin, so that a pulse can end it the way the pin interrupt would.
  const realSetWatch = setWatch;
  const realClearWatch = clearWatch;
  const watches = {};
  global.setWatch = (cb, pin, options) => {
    const id = realSetWatch(cb, pin, options);
    if (String(pin) === echoPin) watches[id] = { cb: cb, repeat: options && options.repeat };
    return id;
  };
  global.clearWatch = (id) => {
    realClearWatch(id);
    delete watches[id];
  };

  // The HC-SR04 answers a 10 µs trigger with an echo pulse 58.2 µs per cm wide (sound at 20 °C,
  // 343.42 m/s, there and back); the falling edge reaches each watch with the rising edge as
  // lastTime, as the pin interrupt stamps them. On the chip that edge is an I/O event, handled
  // before any timer that is due, however long the interpreter was busy (a blocking connect):
  // a resolved promise's callback is the host's nearest thing, run before the timers too.
  global.digitalPulse = (pin, value, ms) => {
    const echo = read("echo", "none");
    if (echo === "throw") throw new Error("pulse failed");
    if (echo === "none") return;
    const width = (Number(echo) * 2) / 34342;
    const rise = getTime() + 0.0005;
    Promise.resolve().then(() => {
      for (const id in watches) {
        const w = watches[id];
        if (!w.repeat) {
          realClearWatch(Number(id));
          delete watches[id];
        }
        w.cb({ state: false, time: rise + width, lastTime: rise });
      }
    });
  };

  const wifi = {
    connect: (ssid, options, cb) => {
      const how = read("wifi", "ok");
      setTimeout(() => {
        if (how === "ok") {
          wifi.emit("connected", { ip: "127.0.0.1" });
          cb(null);
        } else {
          // As on the ESP32 port: a failed join reports `disconnected` before the callback.
          wifi.emit("disconnected", { reason: how.slice(5) });
          cb(how.slice(5));
        }
      }, 10);
    },
    getStatus: () => ({ station: "connected", rssi: -61 }),
    // The ESP32 port's getDetails has no rssi (libs/network/esp32/jswrap_esp32_network.c).
    getDetails: (cb) => {
      const d = { status: "connected", ssid: "lot" };
      if (cb) cb(d);
      return d;
    },
  };
  // addCached evaluates source (a function's code, not its closure), so the object passes
  // through the root scope for a moment.
  global.HOSTWIFI = wifi;
  Modules.addCached("Wifi", "module.exports=HOSTWIFI;");
  delete global.HOSTWIFI;

  global.ESP32 = {
    deepSleep: (us) => {
      console.log("HOST deepSleep " + us);
      // The chip is off until it wakes: nothing of the program runs any more.
      clearInterval();
      clearTimeout();
      realClearWatch();
    },
  };
})();
