import { SerialPort } from "serialport";
import { ToolError } from "./errors.js";

export const DEFAULT_BAUD = 115_200;

/** Opens a serial device, or fails with one sentence that says what to do about it. */
export async function openSerial(path: string, baudRate: number): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => {
    port.open((error) => (error ? reject(new ToolError(describeOpenError(path, error))) : resolve()));
  });
  return port;
}

export async function closeSerial(port: SerialPort): Promise<void> {
  if (!port.isOpen) return;
  await new Promise<void>((resolve) => port.close(() => resolve()));
}

export function describeOpenError(path: string, error: Error): string {
  const message = error.message;
  if (/ENOENT|No such file/i.test(message)) {
    return `Serial port ${path} does not exist: plug the node in, or see \`parking flash --list\`.`;
  }
  if (/EACCES|permission/i.test(message)) {
    return `No permission to open serial port ${path}: add this user to the dialout group and log in again.`;
  }
  if (/EBUSY|lock/i.test(message)) {
    return `Serial port ${path} is in use by another program (a monitor, or a gateway with --serial): close it first.`;
  }
  return `Cannot open serial port ${path} (${message.replace(/[.\s]+$/, "")}).`;
}
