export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

const UP_ONE_LINE = "\x1B[A";

function kb(bytes: number): string {
  return (bytes / 1024).toFixed(1);
}

export function progressBar(done: number, total: number, width = 20): string {
  const share = total === 0 ? 1 : done / total;
  const filled = Math.round(share * width);
  const percent = Math.floor(share * 100);
  return `[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${percent}% ${kb(done)}/${kb(total)} KB`;
}

/**
 * A bar redrawn in place on a terminal; in a log or CI, where `\r` does not redraw, one line
 * per tenth so the log stays short. On a terminal every drawing ends its line and the next one
 * goes back up to redraw it, so whatever is printed after the bar, an error in the middle of
 * the upload included, starts on a line of its own instead of being glued to the bar.
 */
export function progressPrinter(out: ProgressOutput): (done: number, total: number) => void {
  let lastTenth = -1;
  let drawn = false;
  return (done, total) => {
    if (out.isTTY) {
      out.write(`${drawn ? UP_ONE_LINE : ""}\r${progressBar(done, total)}\n`);
      drawn = true;
      return;
    }
    const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    out.write(`uploaded ${tenth * 10}% (${kb(done)}/${kb(total)} KB)\n`);
  };
}
