import { describe, expect, it } from "vitest";
import { DICTIONARIES, formatTag, type Key, pickLanguage, translator } from "../../src/i18n.js";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("i18n", () => {
  it("prefers the saved choice, then the first browser language it speaks, then English", () => {
    expect(pickLanguage("fr", ["en-US"])).toBe("fr");
    expect(pickLanguage(null, ["de-DE", "fr-CA", "en"])).toBe("fr");
    expect(pickLanguage("xx", ["EN-gb"])).toBe("en");
    expect(pickLanguage(null, ["de", "es"])).toBe("en");
  });

  it("formats with the browser's own tag for the language when it has one", () => {
    expect(formatTag("en", ["fr-FR", "en-GB"])).toBe("en-GB");
    expect(formatTag("fr", ["en-GB"])).toBe("fr");
  });

  it("has every French string, with the same placeholders as the English one", () => {
    for (const key of Object.keys(DICTIONARIES.en) as Key[]) {
      expect(DICTIONARIES.fr[key], key).toBeTruthy();
      expect(placeholders(DICTIONARIES.fr[key]), key).toEqual(placeholders(DICTIONARIES.en[key]));
    }
  });

  it("fills placeholders and leaves an unknown one visible", () => {
    const t = translator("fr");
    expect(t("map.spot", { zone: "Zone_A", spot: "place_3", state: t("state.occupied") })).toBe(
      "Zone_A place_3 : occupée",
    );
    expect(translator("en")("map.spot", { zone: "Zone_A" })).toBe("Zone_A {spot}: {state}");
  });
});
