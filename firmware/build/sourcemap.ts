import { dirname, relative, resolve } from "node:path";

/** The part of a version 3 source map that locating a bundle position needs. */
export interface SourceMapV3 {
  version: 3;
  sources: string[];
  mappings: string;
  sourceRoot?: string;
}

export interface SourceLocation {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
}

interface Segment {
  column: number;
  source: number;
  line: number;
  sourceColumn: number;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function decodeVlq(text: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = BASE64.indexOf(char);
    if (digit < 0) throw new Error(`source map: "${char}" is not a base64 digit`);
    value += (digit & 31) * 2 ** shift;
    shift += 5;
    if ((digit & 32) === 0) {
      values.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

/** Segments per generated line; the generated column restarts on each line, the rest run on. */
function decodeMappings(mappings: string): Segment[][] {
  let source = 0;
  let line = 0;
  let sourceColumn = 0;
  return mappings.split(";").map((text) => {
    let column = 0;
    const segments: Segment[] = [];
    for (const part of text.split(",")) {
      if (part === "") continue;
      const fields = decodeVlq(part);
      column += fields[0] ?? 0;
      // A one-field segment maps generated text to no source at all.
      if (fields.length < 4) continue;
      source += fields[1] ?? 0;
      line += fields[2] ?? 0;
      sourceColumn += fields[3] ?? 0;
      segments.push({ column, source, line, sourceColumn });
    }
    return segments;
  });
}

export type Locator = (line: number, column: number) => SourceLocation | undefined;

/**
 * Maps a 1-based bundle position to the source position of the nearest mapping at or before it
 * on the same line, plus the distance from that mapping: esbuild maps every statement and most
 * tokens, and copies the text between them unchanged, so the column lands on the construct.
 */
export function createLocator(map: SourceMapV3): Locator {
  const lines = decodeMappings(map.mappings);
  return (line, column) => {
    const segments = lines[line - 1] ?? [];
    let best: Segment | undefined;
    for (const segment of segments) {
      if (segment.column > column - 1) break;
      best = segment;
    }
    const file = best && map.sources[best.source];
    if (best === undefined || file === undefined) return undefined;
    return { file, line: best.line + 1, column: best.sourceColumn + column - best.column };
  };
}

/** The map's sources as paths relative to `base`, so findings name files as a developer types them. */
export function withSourcesRelativeTo(map: SourceMapV3, mapDir: string, base: string): SourceMapV3 {
  const root = resolve(mapDir, map.sourceRoot ?? "");
  return { ...map, sources: map.sources.map((source) => relative(base, resolve(root, source))) };
}

const INLINE =
  /\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/;

/** A source map embedded in the bundle's last comment, with sources made relative to `base`. */
export function inlineSourceMap(source: string, fileName: string, base: string): SourceMapV3 | undefined {
  const match = INLINE.exec(source);
  if (match?.[1] === undefined) return undefined;
  const map = JSON.parse(Buffer.from(match[1], "base64").toString("utf8")) as SourceMapV3;
  return withSourcesRelativeTo(map, dirname(resolve(fileName)), base);
}
