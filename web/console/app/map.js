// The situation map: the area outlines the deployment ships (GET /api/geometry) coloured by the most
// severe open incident in each, and the stations at their coordinates coloured by their own state.
// Drawn by ECharts from that geometry alone: no tiles, nothing from the internet.
import * as echarts from "echarts";
import { html, useEffect, useRef } from "./ui.js";
import { LEVEL_ICON, currentLanguage, t } from "./i18n.js";

const COLOURS = { red: "#d7191c", orange: "#f07c00", yellow: "#f2c500", blue: "#1f6fd1" };
const QUIET = "#dfe6ee";
const RANK = { red: 4, orange: 3, yellow: 2, blue: 1 };

let registered = false;

function worst(levels) {
  return levels.reduce((a, b) => (a && RANK[a] >= RANK[b] ? a : b), null);
}

export function SituationMap({ geometry, stations, incidents, onOpen }) {
  const element = useRef(null);
  const chart = useRef(null);

  useEffect(() => {
    if (!registered && geometry.features.length) {
      echarts.registerMap("warning-areas", geometry);
      registered = true;
    }
    chart.current = echarts.init(element.current, null, { renderer: "canvas" });
    chart.current.on("click", (params) => {
      if (params.data && params.data.incident) onOpen(params.data.incident);
    });
    const resize = () => chart.current && chart.current.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      chart.current.dispose();
    };
  }, []);

  useEffect(() => {
    if (!chart.current) return;
    const zh = currentLanguage() === "zh-CN";
    const byArea = new Map();
    const byStation = new Map();
    for (const incident of incidents) {
      // An incident colours its own area and every area above it that the map draws as a whole is not
      // coloured: a district's warning stays on the district.
      byArea.set(incident.area, worst([byArea.get(incident.area), incident.level].filter(Boolean)));
      byStation.set(incident.station_id, incident);
    }
    const regions = geometry.features.map((feature) => {
      const code = feature.properties.code;
      const level = byArea.get(code);
      const name = zh && feature.properties.name_zh ? feature.properties.name_zh : feature.properties.name;
      return { name: code, label: name, value: level ? RANK[level] : 0, level,
        itemStyle: { areaColor: level ? COLOURS[level] : QUIET, opacity: level ? 0.55 : 1 } };
    });
    const located = stations.filter((s) => s.location);
    const points = stations.filter((s) => s.location).map((station) => {
      const incident = byStation.get(station.id);
      const level = station.open_level;
      return {
        name: zh && station.name_zh ? station.name_zh : station.name,
        value: [...station.location, level ? RANK[level] : 0],
        level, incident: incident ? incident.code : null,
        symbol: level ? "diamond" : "circle",
        symbolSize: level ? 18 : 9,
        itemStyle: { color: level ? COLOURS[level] : "#52606d", borderColor: "#fff", borderWidth: 1 },
        label: { show: Boolean(level), formatter: level ? `${LEVEL_ICON[level]}` : "", position: "right" },
      };
    });
    chart.current.setOption({
      animation: false,
      tooltip: {
        trigger: "item",
        formatter: (p) => {
          if (p.seriesType === "scatter") {
            const level = p.data.level ? ` · ${t(`level_${p.data.level}`)}` : "";
            return `${p.name}${level}`;
          }
          const region = regions.find((r) => r.name === p.name);
          return region ? `${region.label}${region.level ? " · " + t(`level_${region.level}`) : ""}` : p.name;
        },
      },
      geo: {
        map: "warning-areas", roam: true, nameProperty: "code", aspectScale: 0.82,
        label: { show: true, fontSize: 11, color: "#334", formatter: (p) => regions.find((r) => r.name === p.name)?.label || p.name },
        itemStyle: { borderColor: "#8795a1", borderWidth: 1, areaColor: QUIET },
        emphasis: { label: { show: true }, itemStyle: { areaColor: "#c4d3e3" } },
        regions,
        // The city whole, a little closer in on where the stations stand (a deployment's own outlines too).
        ...(located.length ? { center: centre(located), zoom: 2.2 } : {}),
      },
      series: [{ type: "scatter", coordinateSystem: "geo", data: points, zlevel: 2 }],
    }, { replaceMerge: ["series"] });
  }, [geometry, stations.map((s) => `${s.id}:${s.open_level}`).join(), situation(incidents), currentLanguage()]);

  return html`<div class="map" ref=${element} role="img" aria-label=${t("map")}></div>`;
}

function centre(located) {
  const lon = located.reduce((sum, s) => sum + s.location[0], 0) / located.length;
  const lat = located.reduce((sum, s) => sum + s.location[1], 0) / located.length;
  return [lon, lat];
}

// What the map shows of the incidents: the worst level per area and per station. The map is drawn
// again only when this changes, not at every decision.
function situation(incidents) {
  const parts = new Set();
  for (const incident of incidents) parts.add(`${incident.area}:${incident.level}:${incident.station_id}:${incident.code}`);
  return [...parts].sort().join("|");
}
