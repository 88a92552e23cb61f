/* Statistics pages: ECharts charts from the page's JSON block, rebuild progress, confirmations.
 *
 * Loaded as an external file (the CSP allows scripts from 'self' only; no inline script, no eval).
 * - <script type="application/json" id="stats-charts"> holds chart specifications built by the server
 *   (labels already translated): {key: {kind: bar|hbar|pie|stacked|lines, categories, series|items}};
 *   every element [data-chart=key] gets that chart. The tables beside the charts hold the same figures,
 *   so without JavaScript (or ECharts) nothing is lost.
 * - #task[data-status-url]: polls the rebuild's JSON status every second until it is done.
 * - form[data-confirm]: asks before submitting (lock, accept a revision).
 */
(function () {
  "use strict";

  var PALETTE = ["#b3261e", "#0b5cad", "#e0a100", "#1e7a3c", "#7b4fa0", "#d9822b", "#2a9d8f", "#8c564b",
                 "#5b6675", "#c2185b"];
  var FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", system-ui, sans-serif';
  var lang = (document.documentElement.lang || "zh-CN").toLowerCase();
  var numberFormat = new Intl.NumberFormat(lang.indexOf("en") === 0 ? "en" : "zh-CN");

  function fmt(value) { return numberFormat.format(value || 0); }

  function narrow(el) { return el.clientWidth < 520; }

  function baseOption(el) {
    return {
      color: PALETTE,
      textStyle: { fontFamily: FONT },
      animationDuration: 400,
      tooltip: { confine: true, valueFormatter: fmt },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true }
    };
  }

  function valueAxis() {
    return { type: "value", minInterval: 1, axisLabel: { formatter: fmt }, splitLine: { lineStyle: { color: "#e6ebf1" } } };
  }

  function categoryAxis(spec, el, horizontal) {
    var axis = { type: "category", data: spec.categories, axisTick: { alignWithLabel: true } };
    if (horizontal) {
      axis.inverse = true;
      axis.axisLabel = { width: Math.max(80, Math.min(170, Math.round(el.clientWidth * 0.38))), overflow: "break",
                         lineHeight: 14 };
    } else {
      axis.axisLabel = { interval: 0, hideOverlap: true, rotate: spec.rotate && narrow(el) ? 45 : 0 };
      if (spec.rotate && !narrow(el)) { axis.axisLabel.rotate = spec.categories.length > 10 ? 30 : 0; }
    }
    return axis;
  }

  function barOption(spec, el, horizontal) {
    var option = baseOption(el);
    var series = spec.series.map(function (s, i) {
      return {
        name: s.name, type: "bar", data: s.data, barMaxWidth: 36,
        itemStyle: { borderRadius: horizontal ? [0, 3, 3, 0] : [3, 3, 0, 0] },
        label: { show: true, position: horizontal ? "right" : "top", formatter: function (p) { return p.value ? fmt(p.value) : ""; } },
        colorBy: spec.series.length === 1 ? "data" : "series"
      };
    });
    option.tooltip.trigger = "axis";
    option.tooltip.axisPointer = { type: "shadow" };
    option.xAxis = horizontal ? valueAxis() : categoryAxis(spec, el, false);
    option.yAxis = horizontal ? categoryAxis(spec, el, true) : valueAxis();
    option.series = series;
    option.grid.top = 16;
    return option;
  }

  function stackedOption(spec, el) {
    var option = baseOption(el);
    option.tooltip.trigger = "axis";
    option.tooltip.axisPointer = { type: "shadow" };
    option.legend = { top: 0, type: "scroll" };
    option.xAxis = categoryAxis(spec, el, false);
    option.yAxis = valueAxis();
    option.series = spec.series.map(function (s) {
      return { name: s.name, type: "bar", stack: "total", data: s.data, barMaxWidth: 40, emphasis: { focus: "series" } };
    });
    // The total on top of each stack.
    var totals = spec.categories.map(function (_, i) {
      return spec.series.reduce(function (sum, s) { return sum + (s.data[i] || 0); }, 0);
    });
    if (spec.series.length > 1) {
      option.series.push({
        name: "", type: "bar", stack: "total", data: totals.map(function () { return 0; }), silent: true,
        label: { show: true, position: "top", color: "#1d2733", formatter: function (p) { return totals[p.dataIndex] ? fmt(totals[p.dataIndex]) : ""; } },
        tooltip: { show: false }, legendHoverLink: false
      });
    }
    return option;
  }

  function linesOption(spec, el) {
    var option = baseOption(el);
    var selected = {};
    spec.series.forEach(function (s) { selected[s.name] = !s.hidden; });
    option.tooltip.trigger = "axis";
    option.legend = { top: 0, type: "scroll", selected: selected };
    option.xAxis = categoryAxis(spec, el, false);
    option.xAxis.boundaryGap = false;
    option.yAxis = valueAxis();
    // Paired colours (this year solid, last year dashed) unless the lines are separate regions (palette).
    option.color = spec.palette ? PALETTE : ["#b3261e", "#b3261e", "#0b5cad", "#0b5cad"];
    option.yAxis.minInterval = spec.palette && !spec.integer ? undefined : 1;
    option.series = spec.series.map(function (s) {
      return {
        name: s.name, type: "line", data: s.data, smooth: false, symbolSize: 6, connectNulls: false,
        lineStyle: { width: 2, type: s.dashed ? "dashed" : "solid", opacity: s.dashed ? 0.7 : 1 },
        itemStyle: { opacity: s.dashed ? 0.7 : 1 },
        areaStyle: s.dashed ? undefined : { opacity: 0.06 }
      };
    });
    return option;
  }

  function pieOption(spec, el) {
    var option = baseOption(el);
    var small = narrow(el);
    option.tooltip.trigger = "item";
    option.tooltip.formatter = function (p) { return p.marker + p.name + ": " + fmt(p.value) + " (" + p.percent + "%)"; };
    option.series = [{
      name: spec.name, type: "pie", radius: small ? ["30%", "52%"] : ["36%", "60%"], center: ["50%", "52%"],
      data: spec.items, itemStyle: { borderColor: "#fff", borderWidth: 2 }, minShowLabelAngle: 4,
      label: { formatter: function (p) { return p.name + "\n" + fmt(p.value) + " · " + Math.round(p.percent) + "%"; },
               lineHeight: 16, overflow: "break", width: small ? 80 : 120 },
      labelLine: { length: 8, length2: 8 },
      labelLayout: { hideOverlap: true }
    }];
    return option;
  }

  function optionFor(spec, el) {
    switch (spec.kind) {
      case "bar": return barOption(spec, el, false);
      case "hbar": return barOption(spec, el, true);
      case "stacked": return stackedOption(spec, el);
      case "lines": return linesOption(spec, el);
      case "pie": return pieOption(spec, el);
      default: return null;
    }
  }

  function initCharts() {
    // #stats-charts, and any further blocks marked data-stats-charts (the monthly page's overview).
    var sources = document.querySelectorAll("#stats-charts, script[data-stats-charts]");
    if (!sources.length || typeof window.echarts === "undefined") { return; }
    var specs = {};
    for (var i = 0; i < sources.length; i++) {
      try {
        var part = JSON.parse(sources[i].textContent);
        Object.keys(part).forEach(function (key) { specs[key] = part[key]; });
      } catch (e) { /* a broken block leaves its charts out; the tables still hold the figures */ }
    }
    var locale = lang.indexOf("en") === 0 ? "EN" : "ZH";
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var spec = specs[el.getAttribute("data-chart")];
      if (!spec) { return; }
      if (spec.kind === "hbar") {
        el.classList.add("chart-rows-" + Math.min(10, Math.max(3, spec.categories.length)));
      }
      el.classList.add("has-chart");  // shown only now (hidden without JavaScript): size it before init
      var option = optionFor(spec, el);
      if (!option) { el.classList.remove("has-chart"); return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas", locale: locale });
      chart.setOption(option);
      charts.push({ chart: chart, el: el, spec: spec, width: el.clientWidth });
    });
    var pending = null;
    function resize() {
      pending = null;
      charts.forEach(function (c) {
        var wasNarrow = c.width < 520, isNarrow = c.el.clientWidth < 520;
        if (wasNarrow !== isNarrow) { c.chart.setOption(optionFor(c.spec, c.el), true); }
        c.width = c.el.clientWidth;
        c.chart.resize();
      });
    }
    window.addEventListener("resize", function () {
      if (!pending) { pending = window.setTimeout(resize, 150); }
    });
    window.addEventListener("beforeprint", resize);
  }

  function initTask() {
    var box = document.getElementById("task");
    if (!box || !window.fetch) { return; }
    var url = box.getAttribute("data-status-url");
    var bar = document.getElementById("task-bar");
    var percent = document.getElementById("task-percent");
    var state = document.getElementById("task-state");
    var steps = document.getElementById("task-steps");
    var result = document.getElementById("task-result");
    var error = document.getElementById("task-error");
    var failures = 0;

    function label(name) { return box.getAttribute("data-label-" + name) || name; }

    function render(data) {
      bar.value = data.progress;
      bar.textContent = Math.round(data.progress * 100) + "%";
      percent.textContent = Math.round(data.progress * 100) + "%";
      state.className = "task-state task-state-" + data.state.toLowerCase();
      state.querySelector("strong").textContent = label(data.state.toLowerCase());
      steps.textContent = label("steps").replace("{done}", data.steps_done).replace("{total}", data.steps_total);
      if (data.done) {
        result.textContent = "";
        data.months.forEach(function (m) {
          var li = document.createElement("li");
          if (m.revision) { li.className = "has-revision"; }
          var a = document.createElement("a");
          a.href = m.url;
          a.textContent = m.month;
          li.appendChild(a);
          li.appendChild(document.createTextNode(" — " + m.summary));
          result.appendChild(li);
        });
        result.hidden = false;
        if (data.error) { error.textContent = data.error; error.hidden = false; }
      }
    }

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (data) {
          failures = 0;
          error.hidden = true;
          render(data);
          if (!data.done) { window.setTimeout(poll, 1000); }
        })
        .catch(function () {
          failures += 1;
          error.textContent = label("offline");
          error.hidden = false;
          window.setTimeout(poll, Math.min(10000, 1000 * failures));
        });
    }
    if (!result.hidden) { return; }
    poll();
  }

  function initConfirm() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  function start() {
    initConfirm();
    initTask();
    initCharts();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
