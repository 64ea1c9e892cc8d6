import { readdir } from "node:fs/promises";
import { SerialPort } from "serialport";

type PortInfo = Awaited<ReturnType<typeof SerialPort.list>>[number];

/** One line per serial device: path, maker and USB vendor:product, to spot the node's adapter. */
export async function listPorts(): Promise<string[]> {
  const ports = await SerialPort.list().catch(() => usbTtysInDev());
  if (ports.length === 0) {
    return ["No serial ports found: plug the node in with a USB data cable (some cables only charge)."];
  }
  return ports.map((port) => {
    const usb = port.vendorId && port.productId ? `${port.vendorId}:${port.productId}` : "";
    return [port.path, port.manufacturer ?? "", usb].filter((part) => part !== "").join("  ");
  });
}

/**
 * On Linux `SerialPort.list()` asks udevadm, which containers and minimal systems lack; the
 * USB adapters of ESP32 boards still appear in /dev, only without maker and ids.
 */
async function usbTtysInDev(): Promise<PortInfo[]> {
  const names = await readdir("/dev").catch(() => []);
  return names
    .filter((name) => /^tty(USB|ACM)[0-9]+$/.test(name))
    .sort()
    .map((name) => ({
      path: `/dev/${name}`,
      manufacturer: undefined,
      serialNumber: undefined,
      pnpId: undefined,
      locationId: undefined,
      productId: undefined,
      vendorId: undefined,
    }));
}
