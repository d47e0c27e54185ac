// jobfleet dashboard: polls /fleet/status and /jobs with the session's cookie, draws the charts as
// SVG, and lets an operator re-drive or cancel a job. Every value from the server is set as text
// (textContent), never as HTML. Served at /fleet/dashboard.js; the page has no inline script.
(function () {
  "use strict";

  var STATES = ["PENDING", "RUNNING", "SUCCEEDED", "RETRY_SCHEDULED", "DEAD", "CANCELLED"]; // JobState order
  var TERMINAL = ["SUCCEEDED", "DEAD", "CANCELLED"];
  var COLORS = ["#3b7dd8", "#e8a33d", "#8e5bd8", "#2e9e5b", "#b00020", "#777777", "#1aa3a3", "#d85b9e"];
  var POINTS = 90;

  var body = document.body;
  var operator = body.dataset.operator === "true";
  var refreshMs = Number(body.dataset.refreshMs) || 2000;
  var csrfHeader = meta("csrf-header");
  var csrfToken = meta("csrf-token");
  var history = { at: [], throughput: [], queue: {}, lag: {}, age: [] };
  var previous = null;
  var openJob = null;
  var jobsSignature = null;
  var polls = 0;

  function meta(name) {
    var element = document.querySelector('meta[name="' + name + '"]');
    return element ? element.getAttribute("content") : null;
  }

  function el(tag, text, attributes) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    Object.keys(attributes || {}).forEach(function (key) {
      node.setAttribute(key, attributes[key]);
    });
    return node;
  }

  function request(path, method) {
    var headers = { Accept: "application/json" };
    if (method && method !== "GET" && csrfHeader && csrfToken) {
      headers[csrfHeader] = csrfToken;
    }
    return fetch(path, { method: method || "GET", credentials: "same-origin", headers: headers }).then(
      function (response) {
        if (response.status === 401) {
          window.location.assign("login");
          throw new Error("signed out");
        }
        return response.json().then(function (json) {
          return { status: response.status, json: json };
        });
      }
    );
  }

  // ---- fleet status, tiles, tables and charts -------------------------------------------

  function poll() {
    request("fleet/status").then(function (answer) {
      if (answer.status !== 200) {
        return;
      }
      var status = answer.json;
      var now = Date.now();
      var counts = status.queue.byState;
      var terminal = TERMINAL.reduce(function (sum, s) { return sum + counts[s]; }, 0);
      var rate = null;
      if (previous) {
        var seconds = (now - previous.at) / 1000;
        rate = seconds > 0 ? Math.max(0, terminal - previous.terminal) / seconds : 0;
      }
      previous = { at: now, terminal: terminal };
      record(status, rate);
      tiles(status, rate);
      queueTable(status.queue);
      lagTable(status.consumerLag);
      document.getElementById("as-of").textContent = status.at;
      charts();
      polls++;
      body.dataset.loaded = String(polls);
    }).catch(function () { /* the next poll tries again */ });
    loadJobs();
  }

  function record(status, rate) {
    push(history.at, Date.now());
    push(history.throughput, rate === null ? 0 : rate);
    push(history.age, status.oldestDuePendingAgeSeconds);
    ["PENDING", "RUNNING", "RETRY_SCHEDULED", "DEAD"].forEach(function (state) {
      history.queue[state] = history.queue[state] || [];
      push(history.queue[state], status.queue.byState[state]);
    });
    (status.consumerLag.partitions || []).forEach(function (p) {
      var key = "partition " + p.partition;
      history.lag[key] = history.lag[key] || [];
      push(history.lag[key], p.lag);
    });
  }

  function push(series, value) {
    series.push(value);
    if (series.length > POINTS) {
      series.shift();
    }
  }

  function tiles(status, rate) {
    var counts = status.queue.byState;
    set("tile-throughput", rate === null ? "-" : rate.toFixed(1));
    set("tile-unfinished", counts.PENDING + counts.RUNNING + counts.RETRY_SCHEDULED);
    set("tile-oldest", status.oldestDuePendingAgeSeconds.toFixed(1));
    set("tile-lag", status.consumerLag.known ? status.consumerLag.total : "unknown");
    set("tile-outbox", status.outboxBacklog);
    set("tile-dead", status.deadJobs);
    document.getElementById("tile-dead").className = status.deadJobs > 0 ? "bad" : "";
  }

  function set(id, value) {
    var node = document.getElementById(id);
    if (node) {
      node.textContent = String(value);
    }
  }

  function queueTable(queue) {
    var table = document.getElementById("queue-table");
    while (table.rows.length > 1) {
      table.deleteRow(1);
    }
    queue.byType.forEach(function (type) {
      queueRow(table, type.type, type.counts, type.total, false);
    });
    queueRow(table, "all types", queue.byState, queue.total, true);
  }

  function queueRow(table, label, counts, total, totals) {
    var row = table.insertRow();
    var cell = totals ? "th" : "td";
    row.appendChild(el(cell, label, { class: "l" }));
    STATES.forEach(function (state) {
      var attributes = totals ? { id: "count-" + state } : {};
      if (state === "DEAD" && counts[state] > 0) {
        attributes["class"] = "bad";
      }
      row.appendChild(el(cell, counts[state], attributes));
    });
    row.appendChild(el(cell, total, totals ? { id: "count-total" } : {}));
    row.appendChild(el("td", "", { class: "l" }));
  }

  function lagTable(lag) {
    var headline = document.getElementById("lag-headline");
    var who = "group " + lag.group + " on " + lag.topic + ": ";
    headline.textContent = lag.known
      ? who + lag.total + " records behind, group " + lag.groupState + ", " + lag.members +
        (lag.members === 1 ? " member" : " members")
      : who + "lag unknown (" + lag.error + ")";
    headline.className = lag.known ? "" : "bad";
    var table = document.getElementById("lag-table");
    if (!table || !lag.known) {
      return;
    }
    while (table.rows.length > 1) {
      table.deleteRow(1);
    }
    lag.partitions.forEach(function (p) {
      var row = table.insertRow();
      [p.partition, p.committed === null ? "-" : p.committed, p.end, p.lag].forEach(function (v) {
        row.appendChild(el("td", v));
      });
      row.appendChild(el("td", "", { class: "l" }));
      row.appendChild(el("td", p.owner || "-", { class: "l" }));
      row.appendChild(el("td", p.host || "-", { class: "l" }));
    });
  }

  function charts() {
    draw("throughput", [{ name: "jobs/s", values: history.throughput }]);
    draw("queue", Object.keys(history.queue).map(function (state) {
      return { name: state, values: history.queue[state] };
    }));
    draw("lag", Object.keys(history.lag).sort().map(function (key) {
      return { name: key, values: history.lag[key] };
    }));
    draw("age", [{ name: "seconds", values: history.age }]);
  }

  function draw(id, series) {
    var svg = document.getElementById("chart-" + id);
    var legend = document.getElementById("legend-" + id);
    var ns = "http://www.w3.org/2000/svg";
    while (svg.firstChild) {
      svg.removeChild(svg.firstChild);
    }
    while (legend.firstChild) {
      legend.removeChild(legend.firstChild);
    }
    var max = 1;
    series.forEach(function (s) {
      s.values.forEach(function (v) { max = Math.max(max, v); });
    });
    var width = 400, height = 150, left = 2, top = 14, bottom = 4;
    var axis = document.createElementNS(ns, "text");
    axis.setAttribute("x", "4");
    axis.setAttribute("y", "11");
    axis.setAttribute("font-size", "10");
    axis.setAttribute("fill", "#777");
    axis.textContent = "max " + (Math.round(max * 10) / 10);
    svg.appendChild(axis);
    series.forEach(function (s, i) {
      var color = COLORS[i % COLORS.length];
      var n = s.values.length;
      var points = s.values.map(function (v, j) {
        var x = left + (n <= 1 ? 0 : (j / (n - 1)) * (width - 2 * left));
        var y = top + (1 - v / max) * (height - top - bottom);
        return x.toFixed(1) + "," + y.toFixed(1);
      });
      var line = document.createElementNS(ns, "polyline");
      line.setAttribute("points", points.join(" "));
      line.setAttribute("fill", "none");
      line.setAttribute("stroke", color);
      line.setAttribute("stroke-width", "2");
      line.setAttribute("vector-effect", "non-scaling-stroke");
      svg.appendChild(line);
      var last = n > 0 ? s.values[n - 1] : 0;
      var label = el("span", s.name + " " + (Math.round(last * 10) / 10));
      label.style.color = color;
      legend.appendChild(label);
    });
  }

  // ---- jobs and drill-down ------------------------------------------------------------

  function loadJobs() {
    var state = document.getElementById("job-state").value;
    request("jobs?limit=25" + (state ? "&state=" + encodeURIComponent(state) : "")).then(function (answer) {
      if (answer.status !== 200) {
        return;
      }
      var signature = state + JSON.stringify(answer.json.jobs.map(function (job) {
        return [job.id, job.state, job.attempts, job.lastError];
      }));
      if (signature === jobsSignature) {
        return; // unchanged: keep the rows (and what the mouse is on)
      }
      jobsSignature = signature;
      var tbody = document.querySelector("#jobs tbody");
      while (tbody.firstChild) {
        tbody.removeChild(tbody.firstChild);
      }
      answer.json.jobs.forEach(function (job) {
        var row = el("tr", null, { "data-job": job.id });
        row.appendChild(el("td", job.id, { class: "l" }));
        row.appendChild(el("td", job.type, { class: "l" }));
        row.appendChild(el("td", job.state, { class: job.state === "DEAD" ? "l bad" : "l" }));
        row.appendChild(el("td", job.attempts + "/" + job.maxAttempts));
        row.appendChild(el("td", job.createdAt, { class: "l" }));
        row.appendChild(el("td", job.lastError ? job.lastError.slice(0, 80) : "", { class: "l" }));
        row.addEventListener("click", function () { showJob(job.id); });
        tbody.appendChild(row);
      });
      body.dataset.jobs = String(answer.json.jobs.length);
    }).catch(function () { /* the next poll tries again */ });
  }

  function showJob(id) {
    openJob = id;
    Promise.all([request("jobs/" + id), request("jobs/" + id + "/logs")]).then(function (answers) {
      if (openJob !== id) {
        return;
      }
      renderJob(answers[0], answers[1]);
    }).catch(function () { /* shown on the next click */ });
  }

  function renderJob(jobAnswer, logAnswer) {
    var detail = document.getElementById("job-detail");
    while (detail.firstChild) {
      detail.removeChild(detail.firstChild);
    }
    detail.hidden = false;
    if (jobAnswer.status !== 200) {
      detail.appendChild(el("p", jobAnswer.json.detail || "The job could not be read.", { class: "bad" }));
      return;
    }
    var job = jobAnswer.json;
    detail.setAttribute("data-job", job.id);
    detail.setAttribute("data-state", job.state);
    detail.appendChild(el("h3", job.type + " " + job.id));
    var facts = el("p", null);
    facts.appendChild(el("span", job.state, { id: "detail-state", class: job.state === "DEAD" ? "bad" : "" }));
    facts.appendChild(document.createTextNode(
      " \u00b7 attempts " + job.attempts + "/" + job.maxAttempts + " \u00b7 priority " + job.priority +
      " \u00b7 submitted by " + (job.submittedBy || "-") + " \u00b7 version " + job.version));
    detail.appendChild(facts);
    if (operator) {
      var actions = el("p", null);
      if (job.state === "DEAD") {
        actions.appendChild(action("redrive", "Re-drive", "jobs/" + job.id + "/retry"));
      }
      if (job.state === "PENDING" || job.state === "RETRY_SCHEDULED") {
        actions.appendChild(action("cancel", "Cancel", "jobs/" + job.id + "/cancel"));
      }
      actions.appendChild(el("span", "", { id: "action-result", class: "muted" }));
      detail.appendChild(actions);
    }
    detail.appendChild(el("h4", "History"));
    var table = el("table", null, { id: "detail-history" });
    var head = table.insertRow();
    ["at", "from", "to", "actor", "attempt", "detail"].forEach(function (h) {
      head.appendChild(el("th", h, { class: "l" }));
    });
    (job.history || []).forEach(function (h) {
      var row = table.insertRow();
      [h.at, h.from || "-", h.to, h.actor, h.attempt === null ? "" : h.attempt, h.detail || ""].forEach(function (v) {
        row.appendChild(el("td", v, { class: "l" }));
      });
    });
    detail.appendChild(table);
    detail.appendChild(el("h4", "Errors (" + (job.errors || []).length + ")"));
    detail.appendChild(el("pre", JSON.stringify(job.errors || [], null, 2), { id: "detail-errors" }));
    var logs = logAnswer.status === 200 ? logAnswer.json.logs || [] : [];
    detail.appendChild(el("h4", "Log (" + logs.length + ")"));
    detail.appendChild(el("pre", JSON.stringify(logs, null, 2), { id: "detail-log" }));
    detail.appendChild(el("h4", "Payload"));
    detail.appendChild(el("pre", JSON.stringify(job.payload, null, 2)));
  }

  function action(id, label, path) {
    var button = el("button", label, { id: id, type: "button" });
    button.addEventListener("click", function () {
      button.disabled = true;
      request(path, "POST").then(function (answer) {
        var result = document.getElementById("action-result");
        if (answer.status === 200) {
          showJob(answer.json.id);
          poll();
        } else if (result) {
          result.textContent = answer.json.detail || ("HTTP " + answer.status);
          button.disabled = false;
        }
      });
    });
    return button;
  }

  document.getElementById("job-state").addEventListener("change", loadJobs);
  poll();
  window.setInterval(poll, refreshMs);
})();
