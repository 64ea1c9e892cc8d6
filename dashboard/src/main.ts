import { ACTIVITY_SIZE, ActivityLog, entryFromChange, entryFromHistory } from "./activity.js";
import { api } from "./api.js";
import type { ConnectionState } from "./connection.js";
import { frameBatch } from "./frame.js";
import { isLang, pickLanguage } from "./i18n.js";
import { type Locale, localeFor } from "./locale.js";
import {
  activeAlerts,
  applyAlert,
  applySpot,
  applySummary,
  countsFor,
  type Filter,
  inFilter,
  type Lot,
  lotFromCurrent,
  siteNames,
  siteOf,
  WHOLE_LOT,
  zoneNames,
} from "./lot.js";
import { readPref, writePref } from "./prefs.js";
import { hourlySeries, RANGES, type RangeKey, seriesFromOccupancy } from "./series.js";
import { openStream } from "./stream.js";
import type { AlertChange, SpotView, Summary } from "./types.js";
import { ActivityView } from "./views/activity.js";
import { AlertsView, type Thresholds } from "./views/alerts.js";
import { CardsView } from "./views/cards.js";
import { ConnectionView } from "./views/connection.js";
import { byId, byTestId } from "./views/dom.js";
import { ExportView } from "./views/exportForm.js";
import { FilterSelectView } from "./views/filterSelect.js";
import { HourlyChart } from "./views/hourlyChart.js";
import { MapView } from "./views/map.js";
import { NoticeView } from "./views/notice.js";
import { OccupancyChart } from "./views/occupancyChart.js";
import { translatePage } from "./views/text.js";
import { ThemeView } from "./views/theme.js";
import { ZonesView } from "./views/zones.js";

/** The composition root: the lot model, the views, the gateway's API and its live stream. */

const LANG_KEY = "parking.lang";
const RETRY_MS = 5000;
/** The live chart moves on with the clock even when no summary comes (a quiet lot). */
const LIVE_TICK_MS = 5000;
const HOURLY_REFRESH_MS = 15 * 60_000;

let locale: Locale = localeFor(pickLanguage(readPref(LANG_KEY), navigator.languages), navigator.languages);
let thresholds: Thresholds = { high: 70, critical: 85 };

let lot: Lot | null = null;
/** Replaced, never changed in place: a request compares it to know it is still wanted. */
let filter: Filter = WHOLE_LOT;
let range: RangeKey = "30m";
let connection: ConnectionState = "connecting";
const log = new ActivityLog(ACTIVITY_SIZE);

/** Stream events that arrive while the lot is (re)loading, applied once it is in. */
let loading: Promise<void> | null = null;
const queued: Array<() => void> = [];

/** What changed since the last frame; the frame shows it all at once. */
const dirtySpots = new Set<string>();
let newEntries = 0;
let countsDirty = false;
let chartDirty = false;

translatePage(locale);
const notice = new NoticeView(byId("notice"));
const cards = new CardsView(locale);
const map = new MapView(byTestId("map"), byId("spot-tip"), (key) => lot?.spots.get(key), locale);
const zones = new ZonesView(byTestId("zone-bars"), locale);
const alerts = new AlertsView(byId("alerts"), locale, thresholds);
const activity = new ActivityView(byTestId("activity"), byId("activity-empty"), locale, ACTIVITY_SIZE);
const occupancy = new OccupancyChart(byId("occupancy-chart"), byId("occupancy-empty"), locale, thresholds);
const hourly = new HourlyChart(byId("hourly-chart"), byId("hourly-empty"), locale);
const exporter = new ExportView(byId("export"), locale);
const connectionView = new ConnectionView(byTestId("connection"), byId("connection-text"), locale);
new ThemeView(
  byTestId<HTMLButtonElement>("theme"),
  document.querySelector('meta[name="theme-color"]'),
  () => {
    occupancy.rebuild();
    hourly.rebuild();
  },
);
const zoneFilter = new FilterSelectView(byTestId<HTMLSelectElement>("zone-filter"), setZone);
const siteFilter = new FilterSelectView(
  byTestId<HTMLSelectElement>("site-filter"),
  setSite,
  byTestId("site-control"),
);

const schedule = frameBatch(() => {
  if (lot === null) return;
  if (dirtySpots.size > 0) {
    map.updateAll(dirtySpots);
    dirtySpots.clear();
  }
  if (newEntries > 0) {
    activity.prepend(log.newest(newEntries));
    newEntries = 0;
  }
  if (countsDirty) {
    countsDirty = false;
    renderCounts(lot);
  }
  if (chartDirty) {
    chartDirty = false;
    occupancy.draw();
  }
});

function renderCounts(l: Lot): void {
  cards.render(countsFor(l, filter));
  zones.render(l.zones);
  alerts.render(activeAlerts(l));
  siteFilter.setIds(siteNames(l));
  zoneFilter.setIds(zoneNames(l).filter((z) => filter.site === null || siteOf(z) === filter.site));
}

function failed(source: string, what: "what.lot" | "what.chart" | "what.activity", error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error);
  notice.fail(source, locale.t("notice.failed", { what: locale.t(what), reason }));
}

/** Whenever the lot is being (re)loaded, stream events wait; otherwise they apply at once. */
function whenLoaded(apply: (l: Lot) => void): void {
  if (lot === null || loading !== null) queued.push(() => lot && apply(lot));
  else apply(lot);
}

function onSpot(l: Lot, spot: SpotView): void {
  const change = applySpot(l, spot);
  if (change === null) return;
  dirtySpots.add(change.key);
  const entry = entryFromChange(change, Date.now());
  if (entry !== null && inFilter(filter, entry.zone)) {
    log.push(entry);
    newEntries = Math.min(newEntries + 1, ACTIVITY_SIZE);
  }
  schedule();
}

function onSummary(l: Lot, summary: Summary): void {
  applySummary(l, summary);
  countsDirty = true;
  extendChart(l);
  schedule();
}

function onAlert(l: Lot, alert: AlertChange): void {
  applyAlert(l, alert);
  countsDirty = true;
  schedule();
}

function extendChart(l: Lot): void {
  if (occupancy.extend(Date.now(), countsFor(l, filter).occupancy_rate)) chartDirty = true;
}

/** The whole lot and the recent changes, afresh: at start and after any gap in the stream. */
function loadLot(): Promise<void> {
  loading ??= (async () => {
    try {
      const [current, history] = await Promise.all([api.current(), api.history(filter, ACTIVITY_SIZE)]);
      lot = lotFromCurrent(current);
      map.sync(lot.spots.values());
      showActivity(history.events.map(entryFromHistory));
      dirtySpots.clear();
      renderCounts(lot);
      notice.ok("lot");
      loading = null;
      for (const apply of queued.splice(0)) apply();
    } catch (error) {
      failed("lot", "what.lot", error);
      setTimeout(() => {
        loading = null;
        void loadLot();
      }, RETRY_MS);
    }
  })();
  return loading;
}

function showActivity(entries: ReturnType<typeof entryFromHistory>[]): void {
  log.replace(entries);
  newEntries = 0;
  activity.reset(log.newest());
}

async function loadActivity(): Promise<void> {
  const forFilter = filter;
  try {
    const history = await api.history(forFilter, ACTIVITY_SIZE);
    if (forFilter === filter) showActivity(history.events.map(entryFromHistory));
    notice.ok("activity");
  } catch (error) {
    failed("activity", "what.activity", error);
    setTimeout(() => forFilter === filter && void loadActivity(), RETRY_MS);
  }
}

let chartRequest = 0;
async function loadChart(): Promise<void> {
  const request = ++chartRequest;
  const now = Date.now();
  const { spanMs, live } = RANGES[range];
  try {
    const data = await api.occupancy(range, now, filter);
    if (request !== chartRequest) return;
    occupancy.show(seriesFromOccupancy(data), now - spanMs, now, live);
    if (lot !== null && connection === "live") extendChart(lot);
    occupancy.draw();
    notice.ok("chart");
  } catch (error) {
    if (request !== chartRequest) return;
    failed("chart", "what.chart", error);
    setTimeout(() => request === chartRequest && void loadChart(), RETRY_MS);
  }
}

let hourlyRequest = 0;
async function loadHourly(): Promise<void> {
  const request = ++hourlyRequest;
  try {
    const data = await api.hourly(filter);
    if (request === hourlyRequest) hourly.show(hourlySeries(data));
    notice.ok("hourly");
  } catch (error) {
    if (request !== hourlyRequest) return;
    failed("hourly", "what.chart", error);
    setTimeout(() => request === hourlyRequest && void loadHourly(), RETRY_MS);
  }
}

async function loadThresholds(): Promise<void> {
  try {
    const settings = await api.alerts();
    thresholds = settings.thresholds;
    alerts.setThresholds(thresholds);
    occupancy.setThresholds(thresholds);
  } catch {
    // The defaults (70 % and 85 %) stay; the levels themselves come from the gateway anyway.
  }
}

function setZone(zone: string | null): void {
  setFilter({ site: filter.site, zone });
}

/** A zone of another site is let go: the gateway refuses a zone outside the site asked for. */
function setSite(site: string | null): void {
  const keepZone = filter.zone !== null && (site === null || siteOf(filter.zone) === site);
  setFilter({ site, zone: keepZone ? filter.zone : null });
}

function setFilter(next: Filter): void {
  filter = next;
  zoneFilter.choose(filter.zone);
  map.setFilter(filter);
  zones.setFilter(filter);
  exporter.setFilter(filter);
  countsDirty = true;
  schedule();
  void loadChart();
  void loadHourly();
  void loadActivity();
}

function setRange(next: RangeKey): void {
  range = next;
  for (const button of document.querySelectorAll<HTMLButtonElement>("[data-range]")) {
    button.setAttribute("aria-pressed", String(button.dataset.range === range));
  }
  void loadChart();
}

function setLanguage(lang: string): void {
  if (!isLang(lang) || lang === locale.lang) return;
  writePref(LANG_KEY, lang);
  locale = localeFor(lang, navigator.languages);
  translatePage(locale);
  for (const view of [cards, map, zones, alerts, activity, occupancy, hourly, exporter, connectionView]) {
    view.setLocale(locale);
  }
}

const langSelect = byTestId<HTMLSelectElement>("lang");
langSelect.value = locale.lang;
langSelect.addEventListener("change", () => setLanguage(langSelect.value));

for (const button of document.querySelectorAll<HTMLButtonElement>("[data-range]")) {
  button.addEventListener("click", () => setRange(button.dataset.range as RangeKey));
}

openStream("/api/stream", {
  spot: (spot) => whenLoaded((l) => onSpot(l, spot)),
  summary: (summary) => whenLoaded((l) => onSummary(l, summary)),
  alert: (alert) => whenLoaded((l) => onAlert(l, alert)),
  state: (state) => {
    connection = state;
    connectionView.show(state);
  },
  resync: () => {
    void loadLot();
    void loadChart();
  },
});

void loadLot();
void loadChart();
void loadHourly();
void loadThresholds();

setInterval(() => {
  if (lot !== null && connection === "live" && RANGES[range].live) {
    extendChart(lot);
    schedule();
  }
}, LIVE_TICK_MS);
setInterval(() => void loadHourly(), HOURLY_REFRESH_MS);

navigator.serviceWorker?.register("/sw.js").catch(() => {
  // Without a service worker the page still works; it just does not open offline.
});
