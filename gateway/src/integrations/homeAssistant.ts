import {
  availabilityTopic,
  gatewayAvailabilityTopic,
  reportTopic,
  summaryTopic,
} from "../../../protocol/src/topics.js";

/**
 * Home Assistant MQTT discovery, as pure data: which config goes on which topic. Home Assistant
 * reads the nodes' own retained reports (no second copy of each spot's state on the broker) and
 * the gateway's retained summary; the gateway only announces what exists.
 * https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery
 */

export interface HaNames {
  /** Home Assistant's discovery prefix, `homeassistant` by default. */
  prefix: string;
  topicRoot: string;
  /** Seconds without a report after which a spot's state expires (the gateway's offline timeout). */
  expireAfterS: number;
}

/** One retained discovery config. */
export interface DiscoveryConfig {
  topic: string;
  config: Record<string, unknown>;
}

/** Who publishes the configs, shown by Home Assistant in each entity's MQTT info. */
const ORIGIN = { name: "smart-parking" };
const MANUFACTURER = "smart-parking";

/** A topic level Home Assistant accepts as node or object id: `[A-Za-z0-9_-]`, anything else becomes `_`. */
export function sanitiseId(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, "_");
}

/**
 * The object part of an entity id as Home Assistant validates it: lower case `[a-z0-9_]`, no
 * `__`, no `_` at either end.
 */
export function entitySlug(text: string): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return slug === "" ? "unnamed" : slug;
}

/** The gateway's node id under the prefix: every config of one topic root shares it. */
export function haNodeId(topicRoot: string): string {
  return sanitiseId(`parking_${topicRoot}`);
}

/** Matches every config this gateway may have published, of any component. */
export function ownConfigFilter(names: HaNames): string {
  return `${names.prefix}/+/${haNodeId(names.topicRoot)}/+/config`;
}

/** Where Home Assistant publishes its birth (`online`) and last will (`offline`). */
export function haStatusTopic(prefix: string): string {
  return `${prefix}/status`;
}

function configTopic(names: HaNames, component: string, objectId: string): string {
  return `${names.prefix}/${component}/${haNodeId(names.topicRoot)}/${sanitiseId(objectId)}/config`;
}

function lotDevice(names: HaNames): Record<string, unknown> {
  return {
    identifiers: [haNodeId(names.topicRoot)],
    name: names.topicRoot === "parking" ? "Parking lot" : `Parking lot ${names.topicRoot}`,
    manufacturer: MANUFACTURER,
    model: "Parking gateway",
  };
}

function zoneDevice(names: HaNames, zone: string): Record<string, unknown> {
  return {
    identifiers: [sanitiseId(`${haNodeId(names.topicRoot)}_${zone}`)],
    name: `Parking ${zone}`,
    manufacturer: MANUFACTURER,
    model: "Parking zone",
    via_device: haNodeId(names.topicRoot),
  };
}

/**
 * A spot as an occupancy binary_sensor (on = occupied) reading the node's retained report.
 * Available while both the node and the gateway say `online`; `unknown` reports show as unknown.
 */
export function spotDiscovery(names: HaNames, zone: string, spot: string): DiscoveryConfig {
  const report = reportTopic(names.topicRoot, zone, spot);
  const uniqueId = sanitiseId(`${haNodeId(names.topicRoot)}_${zone}_${spot}`);
  return {
    topic: configTopic(names, "binary_sensor", `${zone}_${spot}`),
    config: {
      name: spot,
      unique_id: uniqueId,
      default_entity_id: `binary_sensor.${entitySlug(uniqueId)}`,
      device_class: "occupancy",
      state_topic: report,
      // "None" is Home Assistant's word for an unknown state.
      value_template: "{{ {'occupied': 'ON', 'free': 'OFF'}.get(value_json.status, 'None') }}",
      json_attributes_topic: report,
      json_attributes_template:
        "{{ {'confidence': value_json.confidence, 'distance_cm': value_json.get('distance_cm')} | tojson }}",
      availability: [
        { topic: availabilityTopic(names.topicRoot, zone, spot) },
        { topic: gatewayAvailabilityTopic(names.topicRoot) },
      ],
      availability_mode: "all",
      // A node that falls silent without its last will (power cut behind a live Wi-Fi) goes unavailable.
      expire_after: names.expireAfterS,
      qos: 1,
      device: zoneDevice(names, zone),
      origin: ORIGIN,
    },
  };
}

function countSensor(
  names: HaNames,
  objectId: string,
  fields: { name: string; valueTemplate: string; unit: string; icon: string },
  device: Record<string, unknown>,
): DiscoveryConfig {
  const uniqueId = sanitiseId(`${haNodeId(names.topicRoot)}_${objectId}`);
  return {
    topic: configTopic(names, "sensor", objectId),
    config: {
      name: fields.name,
      unique_id: uniqueId,
      default_entity_id: `sensor.${entitySlug(uniqueId)}`,
      state_topic: summaryTopic(names.topicRoot),
      value_template: fields.valueTemplate,
      unit_of_measurement: fields.unit,
      state_class: "measurement",
      icon: fields.icon,
      availability_topic: gatewayAvailabilityTopic(names.topicRoot),
      qos: 1,
      device,
      origin: ORIGIN,
    },
  };
}

/** The lot's free spots and occupancy rate, read from the retained summary. */
export function lotDiscovery(names: HaNames): DiscoveryConfig[] {
  const device = lotDevice(names);
  return [
    countSensor(
      names,
      "free",
      { name: "Free spots", valueTemplate: "{{ value_json.free }}", unit: "spots", icon: "mdi:parking" },
      device,
    ),
    countSensor(
      names,
      "occupancy_rate",
      {
        name: "Occupancy",
        valueTemplate: "{{ value_json.occupancy_rate }}",
        unit: "%",
        icon: "mdi:car-multiple",
      },
      device,
    ),
  ];
}

/** A zone's free spots; `None` (unknown) until the summary lists the zone. */
export function zoneDiscovery(names: HaNames, zone: string): DiscoveryConfig {
  // Zone ids are [A-Za-z0-9_-] (the MQTT contract), safe inside a quoted template string.
  const valueTemplate = `{{ value_json.zones['${zone}'].free if '${zone}' in value_json.zones else None }}`;
  return countSensor(
    names,
    `${zone}_free`,
    { name: "Free spots", valueTemplate, unit: "spots", icon: "mdi:parking" },
    zoneDevice(names, zone),
  );
}
