export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

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
 * per tenth so the log stays short.
 */
export function progressPrinter(out: ProgressOutput): (done: number, total: number) => void {
  let lastTenth = -1;
  return (done, total) => {
    if (out.isTTY) {
      out.write(`\r${progressBar(done, total)}${done >= total ? "\n" : ""}`);
      return;
    }
    const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    out.write(`uploaded ${tenth * 10}% (${kb(done)}/${kb(total)} KB)\n`);
  };
}
