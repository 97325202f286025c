/* What the participant's two scripts share (join.js: a live session's open question; paced.js: a
   self-paced session's every question): making elements with text (textContent only, never HTML),
   the status line, an answer in words, and the maturity-matrix round's form. Plain ES5; loaded
   before them, it defines window.PCNJoin and nothing else. */
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (Object.prototype.hasOwnProperty.call(attrs, k)) node.setAttribute(k, attrs[k]);
      }
    }
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function setStatus(node, text, offline) {
    node.textContent = text || "";
    node.className = offline ? "status offline" : "status";
  }

  function labelOf(q, code) {
    for (var i = 0; i < q.options.length; i++) if (q.options[i].code === code) return q.options[i].label;
    return code;
  }

  function describe(q, answer) {
    if (q.kind === "text") return answer[0];
    if (q.kind === "maturity") return maturityDescribe(q, answer);
    if (q.kind === "ranking") {
      return answer.map(function (c, i) { return (i + 1) + ". " + labelOf(q, c); }).join(", ");
    }
    return answer.map(function (c) { return labelOf(q, c); }).join(", ");
  }

  /* A maturity-matrix round: the options carry the PCNs ("pcn:X"), domains ("domain:X") and
     stages ("stage:X"); the answer is a list of codes: "pcn:X", "now:<domain>:<stage>" for every
     domain and "want:<domain>:<stage>" where chosen. */
  function optionsOf(q, prefix) {
    var out = [];
    q.options.forEach(function (o) {
      if (o.code.indexOf(prefix + ":") === 0) out.push({ code: o.code.slice(prefix.length + 1), label: o.label });
    });
    return out;
  }

  function pickedWith(draft, prefix) {
    for (var i = 0; i < draft.length; i++) if (draft[i].indexOf(prefix) === 0) return draft[i];
    return null;
  }

  function choose(draft, prefix, code) {
    for (var i = draft.length - 1; i >= 0; i--) if (draft[i].indexOf(prefix) === 0) draft.splice(i, 1);
    if (code) draft.push(code);
  }

  function maturityComplete(q, draft) {
    if (!pickedWith(draft, "pcn:")) return false;
    var domains = optionsOf(q, "domain");
    for (var i = 0; i < domains.length; i++) if (!pickedWith(draft, "now:" + domains[i].code + ":")) return false;
    return true;
  }

  function maturityDescribe(q, answer) {
    var pcn = pickedWith(answer, "pcn:");
    var rated = optionsOf(q, "domain").filter(function (d) { return pickedWith(answer, "now:" + d.code + ":"); });
    return (pcn ? labelOf(q, pcn) : "") + ", " + rated.length + " parts of the matrix rated";
  }

  /* The round's form: the PCN, then each domain's stage now and in a year. changed() runs after
     each choice. scoped: ids and radio names carry the question's id (a page of several
     questions); otherwise the page's one question has the plain ones. */
  function maturityForm(q, form, draft, changed, scoped) {
    var stages = optionsOf(q, "stage");
    var sid = scoped ? "pcn" + q.id : "pcn";
    form.appendChild(el("label", { "for": sid, "class": "field" }, "Your PCN"));
    var select = el("select", scoped ? { id: sid, "class": "pcn-select" } : { id: sid, name: "pcn", "class": "pcn-select" });
    select.appendChild(el("option", { value: "" }, "Choose your PCN"));
    optionsOf(q, "pcn").forEach(function (p) {
      var opt = el("option", { value: "pcn:" + p.code }, p.label);
      if (pickedWith(draft, "pcn:") === "pcn:" + p.code) opt.selected = true;
      select.appendChild(opt);
    });
    select.addEventListener("change", function () {
      choose(draft, "pcn:", select.value);
      changed();
    });
    form.appendChild(select);
    form.appendChild(el("p", { "class": "hint" }, "For each part of the matrix: where your PCN is now, and where you want it to be in a year."));
    optionsOf(q, "domain").forEach(function (d, di) {
      var set = el("fieldset", { "class": "domain" });
      set.appendChild(el("legend", null, d.label));
      [["now", "Now"], ["want", "In a year"]].forEach(function (when) {
        var prefix = when[0] + ":" + d.code + ":";
        var group = el("fieldset", { "class": "stages" });
        group.appendChild(el("legend", { "class": "when" }, when[1]));
        stages.forEach(function (st, si) {
          var id = "m" + q.id + "_" + di + "_" + when[0] + "_" + si;
          var name = (scoped ? "m" + q.id + "_" : "") + when[0] + "_" + d.code;
          var label = el("label", { "class": "choice stage", "for": id });
          var input = el("input", { type: "radio", name: name, id: id, value: prefix + st.code });
          input.checked = pickedWith(draft, prefix) === prefix + st.code;
          input.addEventListener("change", function () {
            choose(draft, prefix, prefix + st.code);
            changed();
          });
          label.appendChild(input);
          label.appendChild(el("span", null, st.label));
          group.appendChild(label);
        });
        set.appendChild(group);
      });
      form.appendChild(set);
    });
  }

  /* A question's answer fields, drawn into form: choices, the maturity round, ranking or open
     text. draft: the answer being chosen (a list of codes; the text itself for open text, whose
     every change goes to typed(value)); changed() runs after each choice. scoped: ids and names
     carry the question's id (a page of several questions). */
  function answerFields(q, form, draft, changed, typed, scoped) {
    if (q.kind === "agreement" || q.kind === "single" || q.kind === "multi") {
      var multi = q.kind === "multi";
      var set = el("fieldset");
      set.appendChild(el("legend", null, multi ? "Choose all that apply." : "Choose one."));
      q.options.forEach(function (o, i) {
        var id = (scoped ? "p" : "o") + q.id + "_" + i;
        var label = el("label", { "class": "choice", "for": id });
        var input = el("input", { type: multi ? "checkbox" : "radio", name: scoped ? "answer" + q.id : "answer", id: id, value: o.code });
        input.checked = draft.indexOf(o.code) >= 0;
        input.addEventListener("change", function () {
          if (multi) {
            var at = draft.indexOf(o.code);
            if (input.checked && at < 0) draft.push(o.code);
            if (!input.checked && at >= 0) draft.splice(at, 1);
          } else {
            draft.length = 0;
            draft.push(o.code);
          }
          changed();
        });
        label.appendChild(input);
        label.appendChild(el("span", null, o.label));
        set.appendChild(label);
      });
      form.appendChild(set);
    } else if (q.kind === "maturity") {
      maturityForm(q, form, draft, changed, scoped);
    } else if (q.kind === "ranking") {
      form.appendChild(el("p", null, "Tap the options in order, most important first. Tap again to take one out."));
      var list = el("div", { role: "group", "aria-label": "Options to put in order" });
      var redraw = function () {
        list.textContent = "";
        q.options.forEach(function (o) {
          var at = draft.indexOf(o.code);
          var b = el("button", { type: "button", "class": at >= 0 ? "choice chosen" : "choice",
            "aria-pressed": at >= 0 ? "true" : "false" });
          b.appendChild(el("span", { "class": "rank", "aria-hidden": "true" }, at >= 0 ? String(at + 1) : ""));
          b.appendChild(el("span", null, o.label));
          if (at >= 0) b.setAttribute("aria-label", "Number " + (at + 1) + ": " + o.label);
          b.addEventListener("click", function () {
            var now = draft.indexOf(o.code);
            if (now >= 0) draft.splice(now, 1); else draft.push(o.code);
            redraw();
            changed();
          });
          list.appendChild(b);
        });
      };
      redraw();
      form.appendChild(list);
      var clear = el("button", { type: "button", "class": "plain" }, "Start again");
      clear.addEventListener("click", function () { draft.length = 0; redraw(); changed(); });
      form.appendChild(clear);
    } else {
      var tid = scoped ? "text" + q.id : "text";
      form.appendChild(el("label", scoped ? { "for": tid, "class": "textlabel" } : { "for": tid }, "Your answer"));
      var area = el("textarea", { id: tid, maxlength: String(q.max_text), rows: scoped ? "4" : "5" });
      area.value = draft;
      var count = el("p", { "class": "count", "aria-live": "polite" });
      var counted = function () { count.textContent = area.value.length + " of " + q.max_text + " characters"; };
      area.addEventListener("input", function () {
        typed(area.value);
        counted();
        changed();
      });
      counted();
      form.appendChild(area);
      form.appendChild(count);
    }
  }

  /* One phone request: POST /join/<route> with the poll's code, the question and the answer (JSON,
     with the page's cookie); resolves to {ok, body}, rejects when there is no connection. */
  function post(route, code, question, answer) {
    return fetch("/join/" + route, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ code: code, question: question, answer: answer })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    });
  }

  /* The poll's stream of states (server-sent events), kept alive: onState(state) for each state
     pushed, onOpen() once (re)connected, status(text, offline) for the status line. It reconnects
     after an error (2 s, doubling to 30 s), when the page wakes or the network comes back, and
     after 45 s of silence: the server says something every 15 s, and a phone that walks out of
     Wi-Fi range may keep a dead connection open for minutes. */
  function stream(code, onState, onOpen, status) {
    var SILENT_MS = 45000;
    var source = null;
    var retryMs = 2000;
    var lastHeard = Date.now();

    function connect() {
      if (source) source.close();
      source = new EventSource("/join/events?code=" + encodeURIComponent(code));
      lastHeard = Date.now();
      source.addEventListener("state", function (event) {
        lastHeard = Date.now();
        onState(JSON.parse(event.data));
      });
      source.addEventListener("ping", function () { lastHeard = Date.now(); });
      source.onopen = function () {
        lastHeard = Date.now();
        retryMs = 2000;
        status("", false);
        onOpen();
      };
      source.onerror = function () {
        status("Reconnecting…", true);
        if (source.readyState === 2) { // closed for good (e.g. the server said no): try again later
          setTimeout(connect, retryMs);
          retryMs = Math.min(retryMs * 2, 30000);
        }
      };
    }

    function wake() {
      if (!source || source.readyState === 2) connect();
    }

    document.addEventListener("visibilitychange", function () { if (!document.hidden) wake(); });
    window.addEventListener("online", wake);
    window.addEventListener("offline", function () {
      // The phone knows it has no network: say so now rather than when the line times out.
      status("Reconnecting…", true);
      if (source) source.close();
    });
    setInterval(function () {
      if (source && source.readyState !== 2 && Date.now() - lastHeard > SILENT_MS) {
        status("Reconnecting…", true);
        connect();
      }
    }, 5000);
    connect();
  }

  window.PCNJoin = {
    el: el,
    setStatus: setStatus,
    labelOf: labelOf,
    describe: describe,
    optionsOf: optionsOf,
    pickedWith: pickedWith,
    choose: choose,
    maturityComplete: maturityComplete,
    maturityForm: maturityForm,
    answerFields: answerFields,
    post: post,
    stream: stream
  };
})();
