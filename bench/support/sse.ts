/** Called per event; `receivedAt` is performance.now() when its chunk arrived. */
export type SseHandler = (event: string, data: string, receivedAt: number) => void;

export interface SseStream {
  /** Resolves on the first event (the gateway sends the current summary at once). */
  ready: Promise<void>;
  close(): void;
}

/** A minimal EventSource on fetch: splits the stream into `event:`/`data:` blocks. */
export function openSse(url: string, onEvent: SseHandler): SseStream {
  const controller = new AbortController();
  let markReady: () => void = () => {};
  let fail: (error: unknown) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    fail = reject;
  });
  const read = async (): Promise<void> => {
    const response = await fetch(url, { signal: controller.signal });
    if (!response.ok || !response.body) throw new Error(`GET ${url} answered ${response.status}`);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const receivedAt = performance.now();
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf("\n\n");
        let event = "message";
        let data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) event = line.slice(7);
          else if (line.startsWith("data: "))
            data = data === "" ? line.slice(6) : `${data}\n${line.slice(6)}`;
        }
        if (data === "") continue; // comments, retry hints
        onEvent(event, data, receivedAt);
        markReady();
      }
    }
  };
  read().catch((error: unknown) => {
    if (!controller.signal.aborted) fail(error);
  });
  return { ready, close: () => controller.abort() };
}
