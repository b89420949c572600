// 七色志愿服务 · 数据看板
//
// Plain JavaScript, no library and no build step: the page must work on a county
// intranet with no internet. Data comes only from the /stats/... routes of this same
// origin, with the user's token. Every text taken from data is inserted with
// textContent (never innerHTML), so a name like "<script>" stays a name.
"use strict";

(function () {
  // -- constants ------------------------------------------------------------------------

  const TOKEN_KEY = "qise.dashboard.token";

  // The seven colors of the source document; a deployment may add categories of its own,
  // which are drawn grey rather than guessed.
  const CATEGORY_COLORS = {
    red: "#d7263d",
    orange: "#f46036",
    gold: "#e2a400",
    green: "#2e933c",
    cyan: "#1b998b",
    blue: "#2e86de",
    purple: "#8e44ad",
  };
  const UNKNOWN_COLOR = "#9aa0a6";

  // The default routing table's names (services/requests/routing.py); unknown kinds show
  // their code.
  const SERVICE_KINDS = {
    policy_explanation: "政策宣讲",
    dispute_mediation: "矛盾调解",
    home_study_delivery: "送学上门",
    health_consultation: "健康咨询",
    elderly_care: "关爱老人",
    disability_support: "助残服务",
    left_behind_children: "关爱留守儿童",
    social_assistance: "社会救助",
    entrepreneurship_training: "创业培训",
    job_placement: "就业推荐",
    skills_training: "技能培训",
    environment: "环境卫生",
    safety_check: "安全检查",
    emergency_help: "应急救助",
    youth_mentoring: "青少年帮教",
    event_security: "活动安保",
    missing_person: "寻找走失人员",
    performance: "文艺演出",
    sports: "体育活动",
  };
  const STATUS_NAMES = { submitted: "待派单", assigned: "已派单", accepted: "已接单" };

  const CATEGORY_METRICS = {
    activities: { name: "活动次数", unit: "次" },
    people_served: { name: "服务人次", unit: "人次" },
    volunteer_hours: { name: "志愿时长", unit: "小时" },
    volunteers: { name: "队员人数", unit: "人" },
    teams: { name: "队伍数", unit: "支" },
  };
  const SERIES_METRICS = {
    activities: { name: "活动次数", unit: "次", whole: true },
    people_served: { name: "服务人次", unit: "人次", whole: true },
    volunteer_hours: { name: "志愿时长", unit: "小时", whole: false },
  };
  // What the server shows when no dates are picked (services/stats/domain.default_range).
  const DEFAULT_SPANS = { day: "近 30 天", week: "近 12 周", month: "近 13 个月" };

  const FIGURES = [
    "volunteers",
    "party_member_volunteers",
    "teams",
    "activities",
    "people_served",
    "volunteer_hours",
    "certified_hours",
  ];

  const NUMBER = new Intl.NumberFormat("zh-CN", { maximumFractionDigits: 1 });
  const PERCENT = new Intl.NumberFormat("zh-CN", { style: "percent", maximumFractionDigits: 1 });
  const AS_OF_FORMAT = new Intl.DateTimeFormat("zh-CN", {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  });
  const SHORT_TIME = new Intl.DateTimeFormat("zh-CN", {
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  });

  const SVG_NS = "http://www.w3.org/2000/svg";
  const REFRESH_MS = 60000;

  // -- state ----------------------------------------------------------------------------

  const state = {
    token: null,
    areas: null, // the answer of /stats/areas: what this token may look at
    overview: null, // kept so the bars can be redrawn on resize or a metric change
    series: null,
    interval: "day",
    // Each load takes a ticket; an answer whose ticket is no longer the newest is dropped,
    // so a slow request for the previous scope never overwrites the current one.
    ticket: 0,
    seriesTicket: 0,
  };

  const $ = (id) => document.getElementById(id);

  function setPageState(value) {
    // Tests and screen readers can tell a finished page from one still loading.
    document.body.dataset.state = value;
    $("board").setAttribute("aria-busy", value === "loading" ? "true" : "false");
  }

  // -- formatting -----------------------------------------------------------------------

  function formatNumber(value) {
    return value === null || value === undefined ? "—" : NUMBER.format(value);
  }

  function formatRate(value) {
    return value === null || value === undefined ? "—" : PERCENT.format(value);
  }

  function formatRating(value) {
    return value === null || value === undefined ? "—" : `${value.toFixed(1)} 分`;
  }

  function periodLabel(period, interval) {
    // "2026-11-20" → "11-20", "2026-W47" → "第47周", "2026-11" → "2026年11月"
    if (interval === "day") return period.slice(5);
    if (interval === "week") return `第${Number(period.slice(6))}周`;
    return `${period.slice(0, 4)}年${Number(period.slice(5))}月`;
  }

  // -- the token ------------------------------------------------------------------------

  function storage() {
    // localStorage can be missing or refuse (private windows, strict settings): then the
    // token lives only as long as the page.
    try {
      return window.localStorage;
    } catch (_) {
      return null;
    }
  }

  function takeTokenFromAddress() {
    // A link like /#token=... hands the token over; it is taken out of the address at once
    // so it is not bookmarked, shared or left in the history.
    const params = new URLSearchParams(location.hash.slice(1));
    const token = (params.get("token") || "").trim();
    if (!token) return null;
    params.delete("token");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
    return token;
  }

  function keepToken(token) {
    state.token = token;
    try {
      storage()?.setItem(TOKEN_KEY, token);
    } catch (_) {
      /* storage full or refused: keep it in memory only */
    }
  }

  function forgetToken() {
    state.token = null;
    try {
      storage()?.removeItem(TOKEN_KEY);
    } catch (_) {
      /* nothing stored */
    }
  }

  function showTokenForm(message) {
    $("board").hidden = true;
    const form = $("token-form");
    form.hidden = false;
    const error = $("token-error");
    error.textContent = message || "";
    error.hidden = !message;
    setPageState("login");
    $("token-input").focus();
  }

  function onTokenSubmitted(event) {
    event.preventDefault();
    const input = $("token-input");
    const token = input.value.trim();
    if (!token) return;
    input.value = "";
    keepToken(token);
    $("token-form").hidden = true;
    start();
  }

  // -- talking to the stats service -----------------------------------------------------

  class AuthError extends Error {}
  class ApiError extends Error {}

  async function api(path, params) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params || {})) {
      if (value !== null && value !== undefined && value !== "") query.set(key, String(value));
    }
    const search = query.toString();
    const url = search ? `${path}?${search}` : path;
    const response = await fetch(url, {
      headers: { Authorization: `Bearer ${state.token}`, Accept: "application/json" },
      cache: "no-store",
    });
    if (response.status === 401) throw new AuthError("unauthorized");
    if (!response.ok) {
      // Errors are problem+json; its `detail` says what went wrong.
      let detail = response.statusText;
      try {
        const problem = await response.json();
        detail = problem.detail || problem.title || detail;
      } catch (_) {
        /* not JSON: keep the status text */
      }
      throw new ApiError(`${response.status} ${detail}`);
    }
    return response.json();
  }

  function failed(error) {
    if (error instanceof AuthError) {
      forgetToken();
      showTokenForm("令牌无效或已过期，请重新输入。");
      return;
    }
    showError(`数据加载失败：${error.message}`);
    setPageState("error");
  }

  function showError(message) {
    const banner = $("error-banner");
    banner.textContent = message;
    banner.hidden = !message;
  }

  // -- scope and period -----------------------------------------------------------------

  function option(value, text) {
    const element = document.createElement("option");
    element.value = value;
    element.textContent = text;
    return element;
  }

  function fillScopePicker(areas) {
    const picker = $("scope-picker");
    const previous = picker.value;
    picker.replaceChildren();
    if (areas.county) {
      picker.append(option("county:", "全县"));
    } else if (areas.county_scope && areas.communities.length > 1) {
      // scope=county answers for every community the token holds, and no other (but not
      // to a county admin limited to some communities: to them it means the county).
      picker.append(option("county:", "我的全部社区"));
    }
    // A branch figure covers all its communities, which only a county-wide token may see.
    if (areas.county && areas.branches.length) {
      const group = document.createElement("optgroup");
      group.label = "社区大支部";
      const names = areas.branch_names || {};
      for (const branch of areas.branches) {
        group.append(option(`branch:${branch}`, names[branch] || branch));
      }
      picker.append(group);
    }
    if (areas.communities.length) {
      const group = document.createElement("optgroup");
      group.label = "社区";
      for (const community of areas.communities) {
        group.append(option(`community:${community.id}`, community.name));
      }
      picker.append(group);
    }
    const values = Array.from(picker.options, (o) => o.value);
    picker.value = values.includes(previous) ? previous : values[0] || "";
  }

  function scopeParams() {
    const [scope, ...rest] = $("scope-picker").value.split(":");
    const id = rest.join(":");
    return { scope: scope || "county", id: id || null };
  }

  function periodParams() {
    return { from: $("from-date").value, to: $("to-date").value };
  }

  function communityName(id) {
    const community = (state.areas?.communities || []).find((c) => c.id === id);
    return community ? community.name : id;
  }

  function categoryName(code) {
    const category = (state.overview?.by_category || []).find((c) => c.category === code);
    return category ? category.name : code;
  }

  function colorOf(code) {
    return CATEGORY_COLORS[code] || UNKNOWN_COLOR;
  }

  // -- loading --------------------------------------------------------------------------

  async function start() {
    $("board").hidden = false;
    showError("");
    setPageState("loading");
    try {
      state.areas = await api("/stats/areas");
    } catch (error) {
      failed(error);
      return;
    }
    fillScopePicker(state.areas);
    if (!$("scope-picker").value) {
      showError("此令牌没有可查看的社区。");
      setPageState("error");
      return;
    }
    await loadAll();
  }

  async function loadAll(quiet) {
    const { from, to } = periodParams();
    if (from && to && from > to) {
      showError("开始日期晚于结束日期，请重新选择。");
      return;
    }
    const ticket = ++state.ticket;
    if (!quiet) setPageState("loading");
    const where = scopeParams();
    try {
      const [overview, ranked, open] = await Promise.all([
        api("/stats/overview", { ...where, from, to }),
        api("/stats/leaderboard", { ...where, metric: "hours", limit: 10 }),
        api("/stats/open-requests", { ...where, limit: 20 }),
        loadSeries(),
      ]);
      if (ticket !== state.ticket) return;
      state.overview = overview;
      showError("");
      renderOverview(overview);
      renderLeaderboard(ranked, where.scope !== "community");
      renderOpenRequests(open, where.scope !== "community");
      setPageState("ready");
    } catch (error) {
      if (ticket === state.ticket) failed(error);
    }
  }

  async function loadSeries() {
    const ticket = ++state.seriesTicket;
    const metric = $("series-metric").value;
    const interval = state.interval;
    const { from, to } = periodParams();
    const points = await api("/stats/timeseries", {
      ...scopeParams(),
      metric,
      interval,
      from,
      to,
    });
    if (ticket !== state.seriesTicket) return;
    state.series = { points, metric, interval };
    const span = from || to ? `${from || "…"} 至 ${to || "今天"}` : DEFAULT_SPANS[interval];
    $("series-note").textContent = `${SERIES_METRICS[metric].name} · ${span}`;
    drawSeries();
  }

  function reloadSeries() {
    loadSeries().catch(failed);
  }

  // -- rendering: figures ---------------------------------------------------------------

  function setFigure(id, value, text) {
    const element = $(id);
    element.textContent = text === undefined ? formatNumber(value) : text;
    // The exact value, for tests and for anyone copying the figure.
    element.dataset.value = value === null || value === undefined ? "" : String(value);
  }

  function periodText(overview) {
    if (!overview.start && !overview.end) return "全部时间";
    return `${overview.start || "…"} 至 ${overview.end || "今天"}`;
  }

  function renderOverview(overview) {
    for (const key of FIGURES) setFigure(`figure-${key}`, overview[key]);
    const r = overview.requests;
    setFigure("requests-submitted", r.submitted);
    setFigure("requests-open", r.open);
    setFigure("requests-completed", r.completed);
    setFigure("requests-on_time_rate", r.on_time_rate, formatRate(r.on_time_rate));
    setFigure("requests-avg_rating", r.avg_rating, formatRating(r.avg_rating));
    const care = overview.care_tasks;
    setFigure("care-open", care.open);
    setFigure("care-done", care.done);
    setFigure("care-overdue", care.overdue);
    $("care-overdue").parentElement.classList.toggle("alert", care.overdue > 0);

    $("area-name").textContent = `${overview.name} · ${periodText(overview)}`;
    $("as-of").textContent = overview.as_of
      ? `数据截至 ${AS_OF_FORMAT.format(new Date(overview.as_of))}`
      : "数据截至 —（尚未收到事件）";
    drawCategories();
  }

  // -- rendering: SVG charts ------------------------------------------------------------

  function svg(tag, attributes, text) {
    const element = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      element.setAttribute(name, String(value));
    }
    if (text !== undefined) element.textContent = text;
    return element;
  }

  function chartWidth(box) {
    // Drawn at the box's real pixel width (not scaled by a viewBox) so the Chinese labels
    // keep their size on a phone; redrawn when the window is resized.
    return Math.max(Math.floor(box.clientWidth), 260);
  }

  function emptyChart(box, message) {
    const note = document.createElement("p");
    note.className = "empty";
    note.textContent = message;
    box.replaceChildren(note);
  }

  function drawCategories() {
    const box = $("category-chart");
    const overview = state.overview;
    if (!overview) return;
    const metric = $("category-metric").value;
    const { unit } = CATEGORY_METRICS[metric];
    // Teams and their members are counted as they stand now; the rest within the period.
    const standing = metric === "teams" || metric === "volunteers";
    $("category-note").textContent =
      `${CATEGORY_METRICS[metric].name} · ${standing ? "当前" : periodText(overview)}`;
    const rows = overview.by_category;
    if (!rows.length) {
      emptyChart(box, "暂无服务分类");
      return;
    }
    const width = chartWidth(box);
    const rowHeight = 34;
    const labelWidth = 84;
    const valueWidth = 80;
    const barHeight = 18;
    const track = width - labelWidth - valueWidth;
    const max = Math.max(...rows.map((row) => row[metric]), 0);
    const chart = svg("svg", {
      width,
      height: rows.length * rowHeight,
      role: "img",
      "aria-label": `各服务类别${CATEGORY_METRICS[metric].name}`,
    });
    rows.forEach((row, index) => {
      const value = row[metric];
      const top = index * rowHeight;
      const middle = top + rowHeight / 2;
      const color = colorOf(row.category);
      const group = svg("g", {
        class: "bar",
        "data-testid": `category-bar-${row.category}`,
        "data-category": row.category,
        "data-metric": metric,
        "data-value": value,
      });
      group.append(
        svg(
          "title",
          {},
          `${row.name}：队伍 ${formatNumber(row.teams)} 支，活动 ${formatNumber(row.activities)} 次，` +
            `服务 ${formatNumber(row.people_served)} 人次，时长 ${formatNumber(row.volunteer_hours)} 小时`,
        ),
        svg("circle", { cx: 7, cy: middle, r: 5, fill: color }),
        svg("text", { x: 18, y: middle, class: "bar-label", "dominant-baseline": "central" }, row.name),
        svg("rect", {
          x: labelWidth,
          y: middle - barHeight / 2,
          width: track,
          height: barHeight,
          rx: 4,
          class: "bar-track",
        }),
      );
      // A non-zero value always shows a sliver, so "a little" never looks like "nothing".
      const length = max > 0 && value > 0 ? Math.max((value / max) * track, 3) : 0;
      if (length > 0) {
        group.append(
          svg("rect", {
            x: labelWidth,
            y: middle - barHeight / 2,
            width: length,
            height: barHeight,
            rx: 4,
            fill: color,
            class: "bar-fill",
          }),
        );
      }
      group.append(
        svg(
          "text",
          { x: labelWidth + track + 8, y: middle, class: "bar-value", "dominant-baseline": "central" },
          `${formatNumber(value)} ${unit}`,
        ),
      );
      chart.append(group);
    });
    box.replaceChildren(chart);
  }

  function niceStep(raw, whole) {
    // A step of 1, 2 or 5 times a power of ten, so axis labels are round numbers.
    if (raw <= 0) return 1;
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
    return whole ? Math.max(step, 1) : step;
  }

  function drawSeries() {
    const box = $("series-chart");
    const series = state.series;
    if (!series) return;
    const { points, metric, interval } = series;
    if (!points.length) {
      emptyChart(box, "所选时间内暂无数据");
      return;
    }
    const meta = SERIES_METRICS[metric];
    const width = chartWidth(box);
    const height = 240;
    const margin = { top: 14, right: 14, bottom: 30, left: 46 };
    const innerWidth = width - margin.left - margin.right;
    const innerHeight = height - margin.top - margin.bottom;
    const values = points.map((p) => p.value);
    const step = niceStep(Math.max(...values) / 4, meta.whole);
    const top = Math.max(Math.ceil(Math.max(...values) / step), 1) * step;
    const x = (i) =>
      margin.left + (points.length === 1 ? innerWidth / 2 : (i * innerWidth) / (points.length - 1));
    const y = (v) => margin.top + innerHeight - (v / top) * innerHeight;

    const chart = svg("svg", {
      width,
      height,
      role: "img",
      "aria-label": `${meta.name}趋势`,
      "data-points": points.length,
    });
    // Horizontal grid lines with their values on the left.
    for (let tick = 0; tick <= top + step / 2; tick += step) {
      chart.append(
        svg("line", { x1: margin.left, x2: width - margin.right, y1: y(tick), y2: y(tick), class: "grid" }),
        svg(
          "text",
          { x: margin.left - 8, y: y(tick), class: "axis-label", "text-anchor": "end", "dominant-baseline": "central" },
          formatNumber(tick),
        ),
      );
    }
    // Period labels along the bottom, thinned so they never overlap; the newest period is
    // always named, and the label just before it gives way if the two would touch.
    const every = Math.max(1, Math.ceil(points.length / Math.max(1, Math.floor(innerWidth / 70))));
    const labelled = [];
    for (let i = 0; i < points.length; i += every) labelled.push(i);
    const last = points.length - 1;
    if (labelled[labelled.length - 1] !== last) {
      if (labelled.length > 1 && last - labelled[labelled.length - 1] < every * 0.6) labelled.pop();
      labelled.push(last);
    }
    for (const i of labelled) {
      chart.append(
        svg(
          "text",
          { x: x(i), y: height - 10, class: "axis-label", "text-anchor": "middle" },
          periodLabel(points[i].period, interval),
        ),
      );
    }
    // The area under the line, then the line itself.
    const line = points.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`);
    const base = y(0).toFixed(1);
    chart.append(
      svg("path", {
        d: `${line.join(" ")} L${x(points.length - 1).toFixed(1)},${base} L${x(0).toFixed(1)},${base} Z`,
        class: "series-area",
      }),
      svg("path", { d: line.join(" "), class: "series-line" }),
    );
    // Dots with a tooltip, while there are few enough to point at.
    if (points.length <= 62) {
      points.forEach((point, i) => {
        const dot = svg("circle", { cx: x(i), cy: y(point.value), r: 3.5, class: "series-dot" });
        dot.append(svg("title", {}, `${point.period}：${formatNumber(point.value)} ${meta.unit}`));
        chart.append(dot);
      });
    }
    box.replaceChildren(chart);
  }

  // -- rendering: tables ----------------------------------------------------------------

  function cell(text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function emptyRow(tbody, columns, message) {
    const row = document.createElement("tr");
    const td = cell(message, "empty");
    td.colSpan = columns;
    row.append(td);
    tbody.replaceChildren(row);
  }

  function renderLeaderboard(ranked, showCommunity) {
    const table = $("leaderboard");
    table.classList.toggle("hide-community", !showCommunity);
    const tbody = table.tBodies[0];
    if (!ranked.length) {
      emptyRow(tbody, 5, "暂无志愿服务时长记录");
      return;
    }
    tbody.replaceChildren(
      ...ranked.map((entry) => {
        const row = document.createElement("tr");
        row.dataset.volunteerId = entry.volunteer_id;
        const rank = cell(String(entry.rank), "num rank");
        if (entry.rank <= 3) rank.classList.add(`top${entry.rank}`);
        row.append(
          rank,
          cell(entry.name),
          cell(communityName(entry.community_id), "community"),
          cell(formatNumber(entry.hours), "num"),
          cell(formatNumber(entry.certified_hours), "num muted"),
        );
        return row;
      }),
    );
  }

  function renderOpenRequests(orders, showCommunity) {
    const table = $("open-requests");
    table.classList.toggle("hide-community", !showCommunity);
    const tbody = table.tBodies[0];
    if (!orders.length) {
      emptyRow(tbody, 6, "没有未办结的订单");
      return;
    }
    tbody.replaceChildren(
      ...orders.map((order) => {
        const row = document.createElement("tr");
        row.dataset.requestId = order.request_id;
        if (order.overdue) row.classList.add("overdue");

        const category = cell("");
        const swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.backgroundColor = colorOf(order.category); // CSSOM: allowed by the CSP
        category.append(swatch, document.createTextNode(categoryName(order.category)));

        const status = cell(STATUS_NAMES[order.status] || order.status);
        if (order.overdue) {
          const badge = document.createElement("span");
          badge.className = "badge";
          badge.textContent = "逾期";
          status.append(" ", badge);
        }
        row.append(
          cell(SERVICE_KINDS[order.service_kind] || order.service_kind),
          category,
          status,
          cell(communityName(order.community_id), "community"),
          cell(SHORT_TIME.format(new Date(order.submitted_at))),
          cell(SHORT_TIME.format(new Date(order.due_at)), order.overdue ? "due late" : "due"),
        );
        return row;
      }),
    );
  }

  // -- wiring ---------------------------------------------------------------------------

  function debounce(fn, ms) {
    let timer = null;
    return () => {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function pickInterval(button) {
    state.interval = button.dataset.interval;
    for (const other of $("series-interval").querySelectorAll("button")) {
      other.setAttribute("aria-checked", other === button ? "true" : "false");
    }
    reloadSeries();
  }

  function wire() {
    $("token-form").addEventListener("submit", onTokenSubmitted);
    $("scope-picker").addEventListener("change", () => loadAll());
    $("from-date").addEventListener("change", () => loadAll());
    $("to-date").addEventListener("change", () => loadAll());
    $("all-time").addEventListener("click", () => {
      $("from-date").value = "";
      $("to-date").value = "";
      loadAll();
    });
    $("refresh").addEventListener("click", () => loadAll());
    $("change-token").addEventListener("click", () => {
      forgetToken();
      showTokenForm("");
    });
    $("category-metric").addEventListener("change", drawCategories);
    $("series-metric").addEventListener("change", reloadSeries);
    for (const button of $("series-interval").querySelectorAll("button")) {
      button.addEventListener("click", () => pickInterval(button));
    }
    window.addEventListener(
      "resize",
      debounce(() => {
        drawCategories();
        drawSeries();
      }, 150),
    );
    // The figures follow the events; a wall screen in the branch office stays current.
    setInterval(() => {
      if (!document.hidden && state.token && document.body.dataset.state === "ready") loadAll(true);
    }, REFRESH_MS);
  }

  function main() {
    wire();
    const handedOver = takeTokenFromAddress();
    if (handedOver) keepToken(handedOver);
    else state.token = storage()?.getItem(TOKEN_KEY) || null;
    if (state.token) start();
    else showTokenForm("");
  }

  main();
})();
