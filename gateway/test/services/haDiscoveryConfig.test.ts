import { describe, expect, it } from "vitest";
import { topicMatches } from "../../src/ingest/mqttLink.js";
import {
  entitySlug,
  type HaNames,
  haNodeId,
  haStatusTopic,
  lotDiscovery,
  ownConfigFilter,
  sanitiseId,
  spotDiscovery,
  zoneDiscovery,
} from "../../src/integrations/homeAssistant.js";

const names: HaNames = { prefix: "homeassistant", topicRoot: "parking", expireAfterS: 90 };

/** Home Assistant's discovery topic pattern, after the prefix (homeassistant/components/mqtt/discovery.py). */
const DISCOVERY_TOPIC = /^(\w+)\/(?:([a-zA-Z0-9_-]+)\/)?([a-zA-Z0-9_-]+)\/config$/;
/** Home Assistant's valid entity id (homeassistant/core.py VALID_ENTITY_ID). */
const ENTITY_ID = /^(?!.+__)(?!_)[\da-z_]+(?<!_)\.(?!_)[\da-z_]+(?<!_)$/;

function underPrefix(prefix: string, topic: string): string {
  expect(topic.startsWith(`${prefix}/`)).toBe(true);
  return topic.slice(prefix.length + 1);
}

describe("Home Assistant discovery configs", () => {
  it("makes a spot an occupancy binary_sensor reading the node's retained report", () => {
    const { topic, config } = spotDiscovery(names, "Zone_A", "place_1");
    expect(topic).toBe("homeassistant/binary_sensor/parking_parking/Zone_A_place_1/config");
    expect(config).toEqual({
      name: "place_1",
      unique_id: "parking_parking_Zone_A_place_1",
      default_entity_id: "binary_sensor.parking_parking_zone_a_place_1",
      device_class: "occupancy",
      state_topic: "parking/Zone_A/place_1",
      value_template: "{{ {'occupied': 'ON', 'free': 'OFF'}.get(value_json.status, 'None') }}",
      json_attributes_topic: "parking/Zone_A/place_1",
      json_attributes_template:
        "{{ {'confidence': value_json.confidence, 'distance_cm': value_json.get('distance_cm')} | tojson }}",
      availability: [
        { topic: "parking/Zone_A/place_1/availability" },
        { topic: "parking/gateway/availability" },
      ],
      availability_mode: "all",
      expire_after: 90,
      qos: 1,
      device: {
        identifiers: ["parking_parking_Zone_A"],
        name: "Parking Zone_A",
        manufacturer: "smart-parking",
        model: "Parking zone",
        via_device: "parking_parking",
      },
      origin: { name: "smart-parking" },
    });
  });

  it("counts the lot's free spots and occupancy rate from the retained summary", () => {
    const [free, rate] = lotDiscovery(names);
    expect(free?.topic).toBe("homeassistant/sensor/parking_parking/free/config");
    expect(free?.config).toMatchObject({
      name: "Free spots",
      unique_id: "parking_parking_free",
      default_entity_id: "sensor.parking_parking_free",
      state_topic: "parking/summary",
      value_template: "{{ value_json.free }}",
      unit_of_measurement: "spots",
      state_class: "measurement",
      availability_topic: "parking/gateway/availability",
      device: { identifiers: ["parking_parking"], name: "Parking lot" },
      origin: { name: "smart-parking" },
    });
    expect(rate?.topic).toBe("homeassistant/sensor/parking_parking/occupancy_rate/config");
    expect(rate?.config).toMatchObject({
      unique_id: "parking_parking_occupancy_rate",
      value_template: "{{ value_json.occupancy_rate }}",
      unit_of_measurement: "%",
      state_class: "measurement",
    });
  });

  it("counts a zone's free spots on the zone's device, unknown until the summary lists the zone", () => {
    const { topic, config } = zoneDiscovery(names, "Zone_B");
    expect(topic).toBe("homeassistant/sensor/parking_parking/Zone_B_free/config");
    expect(config).toMatchObject({
      unique_id: "parking_parking_Zone_B_free",
      default_entity_id: "sensor.parking_parking_zone_b_free",
      state_topic: "parking/summary",
      value_template: "{{ value_json.zones['Zone_B'].free if 'Zone_B' in value_json.zones else None }}",
      unit_of_measurement: "spots",
      state_class: "measurement",
      device: { identifiers: ["parking_parking_Zone_B"], via_device: "parking_parking" },
    });
  });

  it("follows another topic root and discovery prefix, with ids Home Assistant accepts", () => {
    const other: HaNames = { prefix: "ha/discovery", topicRoot: "site/lyon-1/parking", expireAfterS: 120 };
    expect(haNodeId(other.topicRoot)).toBe("parking_site_lyon-1_parking");
    const spot = spotDiscovery(other, "Level-2", "P_07");
    expect(spot.topic).toBe("ha/discovery/binary_sensor/parking_site_lyon-1_parking/Level-2_P_07/config");
    expect(spot.config).toMatchObject({
      unique_id: "parking_site_lyon-1_parking_Level-2_P_07",
      default_entity_id: "binary_sensor.parking_site_lyon_1_parking_level_2_p_07",
      state_topic: "site/lyon-1/parking/Level-2/P_07",
      availability: [
        { topic: "site/lyon-1/parking/Level-2/P_07/availability" },
        { topic: "site/lyon-1/parking/gateway/availability" },
      ],
      expire_after: 120,
      device: { identifiers: ["parking_site_lyon-1_parking_Level-2"] },
    });
    const [free] = lotDiscovery(other);
    expect(free?.config).toMatchObject({
      state_topic: "site/lyon-1/parking/summary",
      device: { name: "Parking lot site/lyon-1/parking" },
    });
    expect(haStatusTopic(other.prefix)).toBe("ha/discovery/status");
  });

  it.each([
    ["Zone_A", "place_1"],
    ["-Zone--A_", "__P-1"],
    ["a", "-"],
    ["UPPER", "x_y-z"],
  ])("gives zone %s spot %s topics and entity ids that Home Assistant validates", (zone, spot) => {
    const configs = [spotDiscovery(names, zone, spot), zoneDiscovery(names, zone), ...lotDiscovery(names)];
    for (const { topic, config } of configs) {
      expect(underPrefix("homeassistant", topic)).toMatch(DISCOVERY_TOPIC);
      expect(config.default_entity_id).toMatch(ENTITY_ID);
      expect(topicMatches(ownConfigFilter(names), topic)).toBe(true);
    }
  });

  it("sanitises characters Home Assistant refuses in topic levels and entity ids", () => {
    expect(sanitiseId("site/lyon 1/ü")).toBe("site_lyon_1__");
    expect(entitySlug("Parking_Site--A__B_")).toBe("parking_site_a_b");
    expect(entitySlug("__")).toBe("unnamed");
  });

  it("keeps the configs of different spots apart", () => {
    const topics = new Set(
      [
        ["Zone_A", "place_1"],
        ["Zone_A", "place_2"],
        ["Zone_B", "place_1"],
      ].map(([zone, spot]) => spotDiscovery(names, zone as string, spot as string).topic),
    );
    expect(topics.size).toBe(3);
  });
});
