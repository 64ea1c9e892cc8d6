import { describe, expect, it } from "vitest";
import { formatSseEvent, SSE_KEEPALIVE } from "../../src/live/sse.js";

/** Reads one message the way EventSource does: data lines joined by LF. */
function parseMessage(text: string): { event?: string; data: string; id?: string } {
  expect(text.endsWith("\n\n")).toBe(true);
  const message: { event?: string; data: string; id?: string } = { data: "" };
  const data: string[] = [];
  for (const line of text.slice(0, -2).split(/\r\n|\r|\n/)) {
    const colon = line.indexOf(":");
    const field = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") message.event = value;
    else if (field === "data") data.push(value);
    else if (field === "id") message.id = value;
    else throw new Error(`Unexpected line ${JSON.stringify(line)}`);
  }
  message.data = data.join("\n");
  return message;
}

describe("formatSseEvent", () => {
  it("writes event, JSON data and a blank line", () => {
    expect(formatSseEvent("spot", { zone: "A", spot: "1", state: "free" })).toBe(
      'event: spot\ndata: {"zone":"A","spot":"1","state":"free"}\n\n',
    );
  });

  it("adds the id when given", () => {
    expect(formatSseEvent("alert", { level: "high" }, "42")).toBe(
      'event: alert\ndata: {"level":"high"}\nid: 42\n\n',
    );
  });

  it("keeps multi-line text inside one message that parses back", () => {
    const data = { note: "line 1\nline 2\r\nline 3\rline 4\n\nend", list: ["a\nb"] };
    const text = formatSseEvent("summary", data, "7");
    expect(text.split("\n\n")).toEqual([expect.any(String), ""]);
    const message = parseMessage(text);
    expect(message).toEqual({ event: "summary", data: expect.any(String), id: "7" });
    expect(JSON.parse(message.data)).toEqual(data);
  });

  it("sends null for undefined data", () => {
    expect(formatSseEvent("summary", undefined)).toBe("event: summary\ndata: null\n\n");
  });

  it("refuses event names and ids that would break the framing", () => {
    expect(() => formatSseEvent("spot\ndata: forged", {})).toThrow(TypeError);
    expect(() => formatSseEvent("spot", {}, "1\r\nevent: alert")).toThrow(TypeError);
  });

  it("has a keep-alive that is a comment", () => {
    expect(SSE_KEEPALIVE).toMatch(/^:[^\n]*\n\n$/);
  });
});
