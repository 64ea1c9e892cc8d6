/**
 * The script that turns a fresh `vm` context into an Espruino global scope. It runs inside the
 * context, so every object the firmware can reach (events, JSON results, lists, sockets) is
 * made by the context's own built-ins: nothing of the host realm leaks through a prototype
 * chain (a host object's `constructor.freeze` would hand back `Object.freeze`).
 *
 * It receives the host bridge, keeps it in its closure and hands back the context functions
 * the host calls to deliver events. The bridge passes only primitives and context values.
 */

/** ECMAScript globals that Espruino has too; every other own property of the global goes. */
export const KEPT_GLOBALS = [
  "Object",
  "Function",
  "Array",
  "Number",
  "Boolean",
  "String",
  "Date",
  "Promise",
  "RegExp",
  "Error",
  "TypeError",
  "SyntaxError",
  "ReferenceError",
  "JSON",
  "Math",
  "ArrayBuffer",
  "DataView",
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float32Array",
  "Float64Array",
  "parseInt",
  "parseFloat",
  "isNaN",
  "isFinite",
  "encodeURIComponent",
  "decodeURIComponent",
  "eval",
  "globalThis",
  "NaN",
  "Infinity",
  "undefined",
];

/** Members of kept built-ins that Espruino lacks (docs/espruino.md, "Language: fails"). */
export const REMOVED_MEMBERS: Array<[string, string]> = [
  ["Array", "from"],
  ["Array", "of"],
  ["Number", "isInteger"],
  ["Number", "isFinite"],
  ["Number", "isSafeInteger"],
  ["Number", "EPSILON"],
  ["Math", "trunc"],
  ["Math", "hypot"],
  ["Math", "log10"],
  ["Object", "freeze"],
  ["Promise", "race"],
  ["Promise", "allSettled"],
  ["Promise", "any"],
  ["Promise", "withResolvers"],
  ["Date", "UTC"],
  ["Error", "captureStackTrace"],
  ["Error", "stackTraceLimit"],
];

/** The context functions the host calls. */
export interface PreludeApi {
  /** Calls a watch's callback with an event object made in the context. */
  fireWatch(fn: unknown, state: boolean, time: number, lastTime: number, pin: unknown): void;
  /** Delivers a socket event: connect, data (binary string), error (code, message), close. */
  netEvent(id: number, kind: string, a?: unknown, b?: unknown): void;
  /** Emits E's "init", as a boot does. */
  emitInit(): void;
  /** Raises a Wifi module event (`connected`, `disconnected`). */
  wifiEvent(event: string): void;
  /** Calls a context function with a context array of arguments. */
  call(fn: unknown, args: unknown): void;
}

export const PRELUDE = `(function (host) {
var g = globalThis;
var KEEP = ${JSON.stringify(Object.fromEntries(KEPT_GLOBALS.map((name) => [name, true])))};
var REMOVE = ${JSON.stringify(REMOVED_MEMBERS)};
var REMOVE_NUMBER = ${JSON.stringify(Object.fromEntries(REMOVED_MEMBERS.filter(([owner]) => owner === "Number").map(([, name]) => [name, true])))};
var names = Object.getOwnPropertyNames(g);
for (var i = 0; i < names.length; i++) {
  if (KEEP[names[i]] !== true) delete g[names[i]];
}
for (var j = 0; j < REMOVE.length; j++) delete g[REMOVE[j][0]][REMOVE[j][1]];
delete Promise.prototype.finally;
/* Number.EPSILON is non-configurable: Number itself is replaced by a twin without it. */
var RealNumber = Number;
var NumberTwin = function Number(value) {
  var n = arguments.length === 0 ? 0 : RealNumber(value);
  return new.target === undefined ? n : new RealNumber(n);
};
var statics = Object.getOwnPropertyNames(RealNumber);
for (var k = 0; k < statics.length; k++) {
  var key = statics[k];
  if (key !== "EPSILON" && key !== "prototype" && key !== "length" && key !== "name" && REMOVE_NUMBER[key] !== true) {
    Object.defineProperty(NumberTwin, key, Object.getOwnPropertyDescriptor(RealNumber, key));
  }
}
Object.defineProperty(NumberTwin, "prototype", { value: RealNumber.prototype, writable: false });
Object.defineProperty(RealNumber.prototype, "constructor", { value: NumberTwin, writable: true, configurable: true, enumerable: false });
Object.defineProperty(g, "Number", { value: NumberTwin, writable: true, configurable: true, enumerable: false });

var hidden = function (obj, key, value) {
  Object.defineProperty(obj, key, { value: value, writable: true, configurable: true, enumerable: false });
};

/* Espruino gives every object on / emit / removeListener / removeAllListeners. */
hidden(Object.prototype, "on", function (event, fn) {
  var key = "#on" + event;
  if (!Object.prototype.hasOwnProperty.call(this, key)) hidden(this, key, []);
  this[key].push(fn);
  return this;
});
hidden(Object.prototype, "emit", function (event) {
  var key = "#on" + event;
  if (!Object.prototype.hasOwnProperty.call(this, key)) return false;
  var args = Array.prototype.slice.call(arguments, 1);
  var fns = this[key].slice();
  for (var i = 0; i < fns.length; i++) fns[i].apply(this, args);
  return fns.length > 0;
});
hidden(Object.prototype, "removeListener", function (event, fn) {
  var key = "#on" + event;
  if (!Object.prototype.hasOwnProperty.call(this, key)) return;
  var at = this[key].indexOf(fn);
  if (at >= 0) this[key].splice(at, 1);
});
hidden(Object.prototype, "removeAllListeners", function (event) {
  var own = Object.getOwnPropertyNames(this);
  for (var i = 0; i < own.length; i++) {
    if (own[i].indexOf("#on") === 0 && (event === undefined || own[i] === "#on" + event)) delete this[own[i]];
  }
});

var show = function (v) {
  if (typeof v === "string") return v;
  if (v === undefined) return "undefined";
  if (typeof v === "function") return "function () { [code] }";
  try {
    var s = JSON.stringify(v);
    return s === undefined ? String(v) : s;
  } catch (e) {
    return String(v);
  }
};
var print = function () {
  var parts = [];
  for (var i = 0; i < arguments.length; i++) parts.push(show(arguments[i]));
  host.print(parts.join(" "));
};
g.print = print;
g.console = { log: print, debug: print, info: print, warn: print, error: print };
g.global = g;

var toBinary = function (data) {
  if (typeof data === "string") return data;
  if (data === undefined || data === null) return "";
  if (data instanceof ArrayBuffer) data = new Uint8Array(data);
  if (typeof data === "object" && typeof data.length === "number") {
    var s = "";
    for (var i = 0; i < data.length; i++) s += String.fromCharCode(data[i] & 255);
    return s;
  }
  return String(data);
};
var argsFrom = function (args, start) {
  return Array.prototype.slice.call(args, start);
};

/* Timers. */
var timer = function (fn, ms, args, repeat) {
  if (typeof fn !== "function" && typeof fn !== "string") throw new Error("Function or String not supplied!");
  return host.setTimer(fn, +ms || 0, args, repeat);
};
g.setTimeout = function (fn, ms) { return timer(fn, ms, argsFrom(arguments, 2), false); };
g.setInterval = function (fn, ms) { return timer(fn, ms, argsFrom(arguments, 2), true); };
var clearer = function (what) {
  return function (id) {
    if (arguments.length === 0) return host.clearAllTimers();
    if (id === undefined) {
      throw new Error("clear" + what + "(undefined): to avoid deleting every " + what + " by accident, pass a valid ID, or no arguments to clear all");
    }
    host.clearTimer(id);
  };
};
g.clearTimeout = clearer("Timeout");
g.clearInterval = clearer("Interval");
g.changeInterval = function (id, ms) { host.changeInterval(id, +ms || 0); };
g.getTime = function () { return host.now(); };

/* Pins. */
var pins = {};
function Pin(value) {
  var name = host.pinName(value instanceof Pin ? value.__name : value);
  if (name === undefined) return undefined;
  if (pins[name] === undefined) {
    var pin = Object.create(Pin.prototype);
    hidden(pin, "__name", name);
    pins[name] = pin;
  }
  return pins[name];
}
var pinOf = function (value) {
  var pin = Pin(value);
  if (pin === undefined) throw new Error("Invalid pin: " + show(value));
  return pin.__name;
};
hidden(Pin.prototype, "toString", function () { return this.__name; });
hidden(Pin.prototype, "read", function () { return host.digitalRead(this.__name) === 1; });
hidden(Pin.prototype, "write", function (v) { host.digitalWrite(this.__name, v ? 1 : 0); });
hidden(Pin.prototype, "set", function () { host.digitalWrite(this.__name, 1); });
hidden(Pin.prototype, "reset", function () { host.digitalWrite(this.__name, 0); });
hidden(Pin.prototype, "mode", function (m) { host.pinMode(this.__name, String(m)); });
hidden(Pin.prototype, "getMode", function () { return host.getPinMode(this.__name); });
g.Pin = Pin;
for (var p = 0; p < 40; p++) g["D" + p] = Pin("D" + p);
g.digitalWrite = function (pin, v) { host.digitalWrite(pinOf(pin), v ? 1 : 0); };
g.digitalRead = function (pin) { return host.digitalRead(pinOf(pin)); };
g.pinMode = function (pin, mode) { host.pinMode(pinOf(pin), mode === undefined ? "auto" : String(mode)); };
g.getPinMode = function (pin) { return host.getPinMode(pinOf(pin)); };
g.digitalPulse = function (pin, value, time) {
  var times = typeof time === "number" ? [time] : [];
  if (typeof time === "object" && time !== null) for (var i = 0; i < time.length; i++) times.push(+time[i]);
  host.digitalPulse(pinOf(pin), value ? 1 : 0, times);
};
g.setWatch = function (fn, pin, options) {
  if (typeof fn !== "function") throw new Error("Function not supplied!");
  var repeat = false;
  var edge = "both";
  var debounce = 0;
  if (typeof options === "boolean") repeat = options;
  else if (typeof options === "object" && options !== null) {
    repeat = !!options.repeat;
    if (options.edge === "rising" || options.edge === 1) edge = "rising";
    else if (options.edge === "falling" || options.edge === -1) edge = "falling";
    debounce = +options.debounce || 0;
  }
  return host.setWatch(fn, pinOf(pin), edge, repeat, debounce);
};
g.clearWatch = function (id) {
  if (arguments.length === 0) return host.clearAllWatches();
  if (id === undefined) {
    throw new Error("clearWatch(undefined): to avoid deleting every Watch by accident, pass a valid ID, or no arguments to clear all");
  }
  /* As the interpreter: a watch that is gone (one with repeat false that fired) cannot be cleared. */
  if (!host.clearWatch(id)) throw new Error("Unknown Watch " + show(id));
};

/* E, process, boot control. */
var E = {};
E.getTemperature = function () { return host.temperature(); };
E.hwRand = function () { return host.hwRand(); };
E.reboot = function () { host.reboot(); };
E.enableWatchdog = function () {};
E.kickWatchdog = function () {};
g.E = E;
/* No process.memory(): the sandbox cannot know what a node would have free, and a made-up
   figure would be trusted. Memory is measured on the interpreter (firmware/README.md). */
g.process = {
  version: "2v29",
  env: { VERSION: "2v29", BOARD: "ESP32", CONSOLE: "USB" },
};
g.load = function () { host.load(); };
g.reset = function () { host.reset(); };
g.save = function () {};
g.btoa = function (s) { return host.btoa(String(s)); };
g.atob = function (s) { return host.atob(String(s)); };

/* Modules. */
/* Storage.writeJSON writes keys that are identifiers without quotes ({zone:"B"}), and escapes
   non-ASCII (docs/espruino.md, "Storage"); only readJSON reads that back, JSON.parse does not. */
var IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
var espruinoJson = function (v) {
  if (v === null || typeof v !== "object") {
    var text = JSON.stringify(v);
    if (text === undefined) return undefined;
    return text.replace(/[\u0080-\uffff]/g, function (c) {
      return "\\\\u" + ("000" + c.charCodeAt(0).toString(16).toUpperCase()).slice(-4);
    });
  }
  if (Array.isArray(v)) {
    var items = [];
    for (var i = 0; i < v.length; i++) {
      var item = espruinoJson(v[i]);
      items.push(item === undefined ? "null" : item);
    }
    return "[" + items.join(",") + "]";
  }
  var members = [];
  var keys = Object.keys(v);
  for (var k = 0; k < keys.length; k++) {
    var member = espruinoJson(v[keys[k]]);
    if (member === undefined) continue;
    members.push((IDENT.test(keys[k]) ? keys[k] : JSON.stringify(keys[k])) + ":" + member);
  }
  return "{" + members.join(",") + "}";
};
/* Puts quotes around bare keys outside strings, so JSON.parse reads what writeJSON wrote. */
var quoteKeys = function (text) {
  var out = "";
  var i = 0;
  while (i < text.length) {
    var c = text.charAt(i);
    if (c === '"') {
      var end = i + 1;
      while (end < text.length && text.charAt(end) !== '"') end += text.charAt(end) === "\\\\" ? 2 : 1;
      out += text.slice(i, end + 1);
      i = end + 1;
    } else if (/[A-Za-z_$]/.test(c) && /[{,]s*$/.test(out)) {
      var stop = i;
      while (stop < text.length && /[A-Za-z0-9_$]/.test(text.charAt(stop))) stop++;
      out += '"' + text.slice(i, stop) + '"';
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
};
var checkName = function (name) {
  name = String(name);
  if (name.length === 0 || name.length > 28) throw new Error("Storage file name must be 1 to 28 characters, got " + show(name));
  return name;
};
var Storage = {
  read: function (name, offset, length) {
    var s = host.storageRead(checkName(name));
    if (s === undefined) return undefined;
    var from = offset === undefined ? 0 : +offset;
    return length === undefined ? s.slice(from) : s.slice(from, from + +length);
  },
  readJSON: function (name, noExceptions) {
    var s = host.storageRead(checkName(name));
    if (s === undefined) return undefined;
    try {
      return JSON.parse(quoteKeys(s));
    } catch (e) {
      if (noExceptions) return undefined;
      throw e;
    }
  },
  readArrayBuffer: function (name) {
    var s = host.storageRead(checkName(name));
    if (s === undefined) return undefined;
    var bytes = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    return bytes.buffer;
  },
  write: function (name, data, offset, size) {
    var r = host.storageWrite(checkName(name), toBinary(data), offset === undefined ? -1 : +offset, size === undefined ? -1 : +size);
    if (typeof r === "string") throw new Error(r);
    return true;
  },
  writeJSON: function (name, obj) { return Storage.write(name, espruinoJson(obj)); },
  erase: function (name) { host.storageErase(checkName(name)); },
  eraseAll: function () { host.storageEraseAll(); },
  list: function (regex, filter) {
    var all = JSON.parse(host.storageList());
    var out = [];
    for (var i = 0; i < all.length; i++) {
      if (regex === undefined || regex === null || regex.test(all[i])) out.push(all[i]);
    }
    return out;
  },
  getFree: function () { return host.storageFree(); },
  compact: function () {},
};

var sockets = {};
var Socket = function (id) { hidden(this, "__id", id); };
Socket.prototype.write = function (data) { return host.netWrite(this.__id, toBinary(data)); };
Socket.prototype.end = function (data) {
  if (data !== undefined) host.netWrite(this.__id, toBinary(data));
  host.netEnd(this.__id);
};
Socket.prototype.available = function () { return 0; };
var net = {
  connect: function (options, callback) {
    var host_ = "";
    var port = 80;
    if (typeof options === "string") {
      var at = options.lastIndexOf(":");
      host_ = at >= 0 ? options.slice(0, at) : options;
      port = at >= 0 ? parseInt(options.slice(at + 1), 10) : 80;
    } else if (options) {
      host_ = String(options.host);
      if (options.port !== undefined) port = +options.port;
    }
    var id = host.netConnect(host_, port);
    /* On the interpreter a connection that cannot be made throws at once (the call blocks). */
    if (id < 0) throw new Error("Unable to create socket");
    var socket = new Socket(id);
    sockets[id] = { socket: socket, callback: callback };
    return socket;
  },
};
var ESP32 = {
  deepSleep: function (us) { host.deepSleep(+us); },
  reboot: function () { host.reboot(); },
  getState: function () { return { sdkVersion: "v4.4.8", freeHeap: 100000, BLE: false, Wifi: false, minHeap: 90000 }; },
};
/* ESP32 is a global class on that build, not a module: require("ESP32") finds nothing. */
g.ESP32 = ESP32;
var Wifi = {
  connect: function (ssid, options, callback) {
    host.wifiConnect(String(ssid), options && options.password !== undefined ? String(options.password) : "", callback);
  },
  disconnect: function (callback) { if (typeof callback === "function") callback(); },
  /* As the ESP32 port: rssi in getStatus() while joined, none in getDetails(). */
  getStatus: function (callback) {
    var status = { station: "connected", rssi: host.wifiRssi() };
    if (typeof callback === "function") callback(status);
    return status;
  },
  getDetails: function (callback) {
    var details = { status: "connected", ssid: "" };
    if (typeof callback === "function") callback(details);
    return details;
  },
  getIP: function (callback) { if (typeof callback === "function") callback(null, { ip: "10.0.0.2" }); },
};
var modules = { Storage: Storage, net: net };
/* A board without Wi-Fi (Espruino for Linux) has no Wifi module at all. */
if (host.wifiEnabled()) modules.Wifi = Wifi;
g.require = function (name) {
  if (Object.prototype.hasOwnProperty.call(modules, name)) return modules[name];
  throw new Error("Module " + JSON.stringify(String(name)) + " not found");
};

return {
  fireWatch: function (fn, state, time, lastTime, pin) {
    fn({ state: state, time: time, lastTime: lastTime, pin: Pin(pin) });
  },
  netEvent: function (id, kind, a, b) {
    var entry = sockets[id];
    if (entry === undefined) return;
    if (kind === "connect") {
      if (typeof entry.callback === "function") entry.callback(entry.socket);
      entry.socket.emit("connect");
    } else if (kind === "data") {
      entry.socket.emit("data", a);
    } else if (kind === "error") {
      entry.socket.emit("error", { code: a, message: b });
    } else if (kind === "close") {
      delete sockets[id];
      entry.socket.emit("close", !!a);
    }
  },
  emitInit: function () { E.emit("init"); },
  wifiEvent: function (event) { Wifi.emit(event, {}); },
  call: function (fn, args) {
    if (typeof fn === "string") g.eval(fn);
    else fn.apply(undefined, args);
  },
};
})`;
