// A station's readings around an incident (ECharts): the series, each level's threshold and where it
// clears drawn as lines in the warning colours, and the moment the incident opened.
import * as echarts from "echarts";
import { html, useEffect, useRef } from "./ui.js";
import { currentLanguage, formatTime, t, timeZone } from "./i18n.js";

const COLOURS = { red: "#d7191c", orange: "#f07c00", yellow: "#d4a900", blue: "#1f6fd1" };

function thresholdLines(thresholds) {
  const lines = [];
  for (const band of thresholds) {
    const name = t(`level_${band.level}`);
    const fire = band.above ?? band.below;
    const clear = band.clear_below ?? band.clear_above;
    if (fire !== null && fire !== undefined) {
      lines.push({ yAxis: fire, name, lineStyle: { color: COLOURS[band.level], type: "solid", width: 2 },
        label: { formatter: `${name} ${fire}`, color: COLOURS[band.level], position: "insideEndTop" } });
    }
    if (clear !== null && clear !== undefined && clear !== fire) {
      lines.push({ yAxis: clear, name: `${name} ${t("clearAt")}`,
        lineStyle: { color: COLOURS[band.level], type: "dashed", width: 1, opacity: 0.7 },
        label: { formatter: `${t("clearAt")} ${clear}`, color: COLOURS[band.level], position: "insideStartBottom" } });
    }
  }
  return lines;
}

export function ReadingsChart({ series, openedAt, liftedAt }) {
  const element = useRef(null);
  useEffect(() => {
    const chart = echarts.init(element.current);
    const zh = currentLanguage() === "zh-CN";
    const moments = [{ xAxis: openedAt, name: t("opened"), lineStyle: { color: "#333", type: "dotted" },
      label: { formatter: t("opened"), position: "end" } }];
    if (liftedAt) moments.push({ xAxis: liftedAt, name: t("status_lifted"), lineStyle: { color: "#2b8a3e", type: "dotted" },
      label: { formatter: t("status_lifted"), position: "end" } });
    const times = series.flatMap((station) => station.readings.map((r) => Date.parse(r.observed_at)));
    const short = Math.max(...times) - Math.min(...times) < 30 * 60 * 1000; // minutes apart: show seconds
    chart.setOption({
      animation: false,
      grid: { left: 56, right: 120, top: 36, bottom: 48 },
      legend: { top: 4 },
      tooltip: { trigger: "axis", valueFormatter: (v) => (typeof v === "number" ? v.toFixed(2) : v) },
      xAxis: { type: "time", axisLabel: { hideOverlap: true,
        formatter: (v) => formatTime(new Date(v).toISOString(), false).slice(0, short ? 8 : 5) } },
      yAxis: { type: "value", scale: true, name: series[0]?.readings[0]?.unit || "" },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 8 }],
      series: series.map((station, index) => ({
        type: "line", name: zh && station.name_zh ? station.name_zh : station.name, showSymbol: false,
        data: station.readings.map((r) => [r.observed_at, r.value]),
        markLine: index === 0 ? { symbol: "none", silent: true, data: [...thresholdLines(station.thresholds), ...moments] }
          : { symbol: "none", silent: true, data: thresholdLines(station.thresholds) },
      })),
    });
    const resize = () => chart.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      chart.dispose();
    };
  }, [series, openedAt, liftedAt, currentLanguage(), timeZone()]);
  return html`<div class="chart" ref=${element} data-testid="readings-chart"></div>`;
}
