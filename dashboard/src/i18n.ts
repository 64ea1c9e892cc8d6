/** Every string a person sees or hears, in English and French. No DOM here. */

export type Lang = "en" | "fr";
export const LANGS: readonly Lang[] = ["en", "fr"];

const en = {
  title: "Parking",
  skip: "Skip to content",
  "zone.label": "Zone",
  "zone.all": "All zones",
  "site.label": "Site",
  "site.all": "All sites",
  "lang.label": "Language",
  "theme.dark": "Dark theme",
  "connection.connecting": "Connecting…",
  "connection.live": "Live",
  "connection.reconnecting": "Reconnecting…",
  "connection.offline": "Offline, retrying",
  "summary.heading": "Summary",
  "card.total": "Spots",
  "card.free": "Free",
  "card.occupied": "Occupied",
  "card.rate": "Occupancy",
  "card.totalDetail": "{offline} offline · {unknown} unknown",
  "card.rateDetail": "Level: {level}",
  "level.normal": "normal",
  "level.high": "warning",
  "level.critical": "critical",
  "alert.heading": "Occupancy alert",
  "alert.lot": "whole lot: {level}, occupancy above {threshold}",
  "alert.zones": "Zones",
  "alert.zone": "{zone}: {level} (> {threshold})",
  "state.free": "free",
  "state.occupied": "occupied",
  "state.offline": "offline",
  "state.unknown": "unknown",
  "state.new": "new",
  "occupancy.heading": "Occupancy",
  "occupancy.ranges": "Time range",
  "range.30m": "30 min (live)",
  "range.24h": "24 h",
  "range.7d": "7 days",
  "range.30d": "30 days",
  "occupancy.series": "Occupancy",
  "chart.time": "Time",
  "chart.hour": "Hour",
  "occupancy.label": "Occupancy rate over time, latest {value}",
  "occupancy.empty": "No occupancy samples in this range yet.",
  "zones.heading": "Zones",
  "zones.detail": "{free} free · {occupied} occupied · {offline} offline",
  "hourly.heading": "Average occupancy by hour",
  "hourly.series": "Average occupancy",
  "hourly.label": "Average occupancy by hour of day; busiest {hour} at {value}",
  "hourly.empty": "No hourly statistics yet.",
  "map.heading": "Spots",
  "map.legend": "Legend",
  "map.spot": "{zone} {spot}: {state}",
  "map.hint": "Arrow keys move between spots.",
  "tip.confidence": "Confidence",
  "tip.distance": "Distance",
  "tip.lastChange": "Last change",
  "tip.none": "—",
  "activity.heading": "Recent changes",
  "activity.empty": "No changes yet.",
  "activity.item": "{zone} {spot}: {previous} → {state}",
  "export.heading": "Export history",
  "export.from": "From",
  "export.to": "To",
  "export.csv": "Download CSV",
  "export.xlsx": "Download Excel",
  "export.zone": "Only zone {zone}, as filtered.",
  "export.site": "Only site {site}, as filtered.",
  "export.invalid": "Choose a start before the end.",
  "notice.failed": "Could not load {what} ({reason}); the page will try again.",
  "what.lot": "the lot",
  "what.chart": "the chart",
  "what.activity": "recent changes",
  "footer.api": "API reference",
} as const;

export type Key = keyof typeof en;

const fr: Record<Key, string> = {
  title: "Parking",
  skip: "Aller au contenu",
  "zone.label": "Zone",
  "zone.all": "Toutes les zones",
  "site.label": "Site",
  "site.all": "Tous les sites",
  "lang.label": "Langue",
  "theme.dark": "Thème sombre",
  "connection.connecting": "Connexion…",
  "connection.live": "En direct",
  "connection.reconnecting": "Reconnexion…",
  "connection.offline": "Hors ligne, nouvel essai",
  "summary.heading": "Synthèse",
  "card.total": "Places",
  "card.free": "Libres",
  "card.occupied": "Occupées",
  "card.rate": "Occupation",
  "card.totalDetail": "{offline} hors ligne · {unknown} inconnues",
  "card.rateDetail": "Niveau : {level}",
  "level.normal": "normal",
  "level.high": "alerte",
  "level.critical": "critique",
  "alert.heading": "Alerte d’occupation",
  "alert.lot": "parking entier : {level}, occupation au-delà de {threshold}",
  "alert.zones": "Zones",
  "alert.zone": "{zone} : {level} (> {threshold})",
  "state.free": "libre",
  "state.occupied": "occupée",
  "state.offline": "hors ligne",
  "state.unknown": "inconnue",
  "state.new": "nouvelle",
  "occupancy.heading": "Occupation",
  "occupancy.ranges": "Période",
  "range.30m": "30 min (direct)",
  "range.24h": "24 h",
  "range.7d": "7 jours",
  "range.30d": "30 jours",
  "occupancy.series": "Occupation",
  "chart.time": "Heure",
  "chart.hour": "Heure",
  "occupancy.label": "Taux d’occupation dans le temps, dernière valeur {value}",
  "occupancy.empty": "Pas encore de mesures d’occupation sur cette période.",
  "zones.heading": "Zones",
  "zones.detail": "{free} libres · {occupied} occupées · {offline} hors ligne",
  "hourly.heading": "Occupation moyenne par heure",
  "hourly.series": "Occupation moyenne",
  "hourly.label": "Occupation moyenne par heure de la journée ; pic à {hour} avec {value}",
  "hourly.empty": "Pas encore de statistiques horaires.",
  "map.heading": "Places",
  "map.legend": "Légende",
  "map.spot": "{zone} {spot} : {state}",
  "map.hint": "Les flèches passent d’une place à l’autre.",
  "tip.confidence": "Confiance",
  "tip.distance": "Distance",
  "tip.lastChange": "Dernier changement",
  "tip.none": "—",
  "activity.heading": "Derniers changements",
  "activity.empty": "Aucun changement pour l’instant.",
  "activity.item": "{zone} {spot} : {previous} → {state}",
  "export.heading": "Exporter l’historique",
  "export.from": "Du",
  "export.to": "Au",
  "export.csv": "Télécharger CSV",
  "export.xlsx": "Télécharger Excel",
  "export.zone": "Seulement la zone {zone}, comme filtré.",
  "export.site": "Seulement le site {site}, comme filtré.",
  "export.invalid": "Choisissez un début avant la fin.",
  "notice.failed": "Impossible de charger {what} ({reason}) ; la page réessaiera.",
  "what.lot": "le parking",
  "what.chart": "le graphique",
  "what.activity": "les derniers changements",
  "footer.api": "Référence de l’API",
};

export const DICTIONARIES: Record<Lang, Record<Key, string>> = { en, fr };

export function isLang(value: unknown): value is Lang {
  return typeof value === "string" && (LANGS as readonly string[]).includes(value);
}

/** The saved choice, else the first browser language we speak (fr-CA → fr), else English. */
export function pickLanguage(saved: string | null, preferred: readonly string[]): Lang {
  if (isLang(saved)) return saved;
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split("-")[0];
    if (isLang(primary)) return primary;
  }
  return "en";
}

/** The browser's own tag for a language (en-GB, fr-CA) when it has one, for dates and numbers as people there write them. */
export function formatTag(lang: Lang, preferred: readonly string[]): string {
  return preferred.find((tag) => tag.toLowerCase().split("-")[0] === lang) ?? lang;
}

export type Translate = (key: Key, params?: Record<string, string | number>) => string;

/** `{name}` placeholders are filled from params; an unknown one is left visible rather than hidden. */
export function translator(lang: Lang): Translate {
  const dict = DICTIONARIES[lang];
  return (key, params) => {
    const text = dict[key];
    if (params === undefined) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
      Object.hasOwn(params, name) ? String(params[name]) : whole,
    );
  };
}
