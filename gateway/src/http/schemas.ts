/** JSON schemas shared by routes: validation, fast serialisation and the OpenAPI page. */

const nullable = (type: string) => ({ type: [type, "null"] });

export const levelSchema = { type: "string", enum: ["normal", "high", "critical"] } as const;
export const stateSchema = { type: "string", enum: ["free", "occupied", "unknown", "offline"] } as const;

export const countsSchema = {
  type: "object",
  properties: {
    total: { type: "integer" },
    free: { type: "integer" },
    occupied: { type: "integer" },
    offline: { type: "integer" },
    unknown: { type: "integer" },
    occupancy_rate: { type: "number", description: "occupied / (free + occupied) × 100" },
    level: levelSchema,
  },
} as const;

export const spotSchema = {
  type: "object",
  properties: {
    zone: { type: "string" },
    spot: { type: "string" },
    site: {
      ...nullable("string"),
      description: "Site of a central gateway (--site-topics); null otherwise.",
    },
    state: stateSchema,
    status: { type: "string", enum: ["free", "occupied", "unknown"] },
    online: { type: "boolean" },
    confidence: { type: "number" },
    distance_cm: nullable("number"),
    seq: nullable("integer"),
    last_seen: nullable("string"),
    last_change: nullable("string"),
    reported_at: nullable("string"),
    fw: nullable("string"),
    rssi: nullable("number"),
    battery_v: nullable("number"),
  },
} as const;

export const eventSchema = {
  type: "object",
  properties: {
    id: { type: "integer" },
    timestamp: { type: "string" },
    zone: { type: "string" },
    spot: { type: "string" },
    state: stateSchema,
    previous: { anyOf: [stateSchema, { type: "null" }] },
    confidence: { type: "number" },
    distance_cm: nullable("number"),
    seq: nullable("integer"),
    reported_at: {
      ...nullable("string"),
      description: "The node's own time of the report behind the change; null when no report caused it.",
    },
    source: { type: "string" },
  },
} as const;

export const summarySchema = {
  type: "object",
  properties: {
    timestamp: { type: "string" },
    total_places: { type: "integer", description: "Same as total; the original system's name." },
    ...countsSchema.properties,
    zones: { type: "object", additionalProperties: countsSchema },
  },
} as const;

/** Counts of one site of a central gateway: its zones summed; sites have no alert level. */
const { level: _siteHasNoLevel, ...siteCountsProperties } = countsSchema.properties;
export const siteCountsSchema = { type: "object", properties: siteCountsProperties } as const;

export const idPattern = "^[A-Za-z0-9_-]{1,32}$";
/** A zone id, or at a central gateway (`--site-topics`) a site-qualified one: `<site-id>/<zone>`. */
export const zonePattern = "^([A-Za-z0-9_-]{1,32}/)?[A-Za-z0-9_-]{1,32}$";

/** `from` and `to`: ISO 8601 or epoch ms; checked in the handler so the error can explain the format. */
export const rangeProperties = {
  from: {
    type: "string",
    description:
      "ISO 8601 date-time (local time if it has no zone), a date (local midnight) or epoch ms; inclusive.",
  },
  to: { type: "string", description: "ISO 8601 date-time, a date or epoch ms; exclusive." },
} as const;

export const zoneProperty = {
  zone: {
    type: "string",
    pattern: zonePattern,
    description: "Zone id; at a central gateway (--site-topics) `<site-id>/<zone>`.",
  },
} as const;

export const siteProperty = {
  site: {
    type: "string",
    pattern: idPattern,
    description: "Site id of a central gateway (--site-topics): only the zones `<site-id>/...`.",
  },
} as const;

export const errorSchema = {
  type: "object",
  properties: { success: { type: "boolean" }, statusCode: { type: "integer" }, error: { type: "string" } },
} as const;
