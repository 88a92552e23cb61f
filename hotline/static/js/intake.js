/* Calls UI: keyboard-first intake and the live caller panel.
 *
 * Loaded as an external file (the CSP allows scripts from 'self' only). Nothing here is needed for the forms
 * to work: without JavaScript they still submit, validate on the server and show their errors.
 *
 * - any form[data-hotkeys]: Ctrl+Enter (⌘+Enter on a Mac) submits it from any field;
 * - #call-form: Alt+<letter> jumps to the field whose data-shortcut is that letter (Alt+A toggles
 *   "anonymous"), the anonymous box disables the caller fields, the number / accused party / patent number
 *   are looked up as they are typed (GET data-lookup-url);
 * - on the intake page (#call-timer): typing starts the call — a timer that Alt+U copies into an empty
 *   duration, and "received" set to that minute in Beijing time unless the operator changed it;
 * - the standard answers matching the summary are fetched as it is typed (GET data-suggest-url) and listed
 *   beside the form; Alt+1…5 puts one into "answer given" (editable); Ctrl+Shift+Enter saves as answered;
 * - a known number fills in the caller's name from its earlier calls (unless the operator typed one).
 */
(function () {
  "use strict";

  var LOOKUP_DELAY_MS = 350;

  function readStrings() {
    var node = document.getElementById("intake-strings");
    if (!node) { return {}; }
    try { return JSON.parse(node.textContent); } catch (e) { return {}; }
  }

  var S = readStrings();

  function t(key, values) {
    var text = S[key] || key;
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(values[name]));
    });
    return text;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") { node.textContent = attrs[name]; } else { node.setAttribute(name, attrs[name]); }
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) { return; }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function submitForm(form) {
    if (form.dataset.submitting) { return; }
    var button = form.querySelector("button[type=submit], input[type=submit]");
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(button || undefined);
    } else if (button) {
      button.click();
    } else {
      form.submit();
    }
  }

  /* Ctrl/⌘+Enter saves the form the focus is in. */
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.altKey) { return; }
    var target = event.target;
    var form = target && target.closest ? target.closest("form[data-hotkeys]") : null;
    if (!form) { return; }
    event.preventDefault();
    var answeredButton = event.shiftKey ? form.querySelector("button[data-answered]") : null;
    if (answeredButton && !form.dataset.submitting && typeof form.requestSubmit === "function") {
      form.requestSubmit(answeredButton);
    } else if (answeredButton) {
      if (!form.dataset.submitting) { answeredButton.click(); }
    } else {
      submitForm(form);
    }
  });

  /* A second Enter / click while the first save is on its way does not log the call twice. */
  document.querySelectorAll("form[data-hotkeys]").forEach(function (form) {
    form.addEventListener("submit", function () {
      window.setTimeout(function () {
        form.dataset.submitting = "1";
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });
  /* Coming back with the browser's Back button restores the page as it was: make it usable again. */
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-hotkeys]").forEach(function (form) {
      delete form.dataset.submitting;
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
    });
  });

  var form = document.getElementById("call-form");
  if (!form) { return; }

  var field = function (name) { return form.elements.namedItem(name); };
  var phone = field("caller_phone");
  var callerName = field("caller_name");
  var anonymous = field("anonymous");
  var accused = field("accused_party");
  var patent = field("patent_number");
  var region = field("region_code");
  var duration = field("duration_seconds");

  /* ---- call timer and time received ----
   * A fresh intake form often waits for the next call. The call starts when the operator starts typing:
   * then the timer starts and, unless it was edited, "received" becomes that minute (Beijing time). */
  var fresh = form.hasAttribute("data-fresh");
  var timerNode = document.getElementById("call-timer");
  var STORE_KEY = "hotline.intake.startedAt";
  var startedAt = null;

  function remember(value) {
    // The start survives a re-rendered form (after a validation error) in this tab only.
    try {
      if (value) { window.sessionStorage.setItem(STORE_KEY, String(value)); }
      else { window.sessionStorage.removeItem(STORE_KEY); }
    } catch (e) { /* storage disabled: the timer restarts after an error, nothing else */ }
  }

  if (timerNode) {
    if (fresh) {
      remember(null);
    } else {
      try { startedAt = parseInt(window.sessionStorage.getItem(STORE_KEY), 10) || null; } catch (e) { startedAt = null; }
    }
  }
  var received = field("received_at");
  var receivedTouched = false;

  function beijingNow() {
    // "sv-SE" formats as "2026-05-28 09:15:00"; the zone is Beijing whatever the computer's own zone.
    var text = new Date().toLocaleString("sv-SE", { timeZone: "Asia/Shanghai", hour12: false });
    return text.slice(0, 16).replace(" ", "T");
  }

  function elapsed() {
    var seconds = startedAt ? Math.floor((Date.now() - startedAt) / 1000) : 0;
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    if (minutes >= 60) {
      var hours = Math.floor(minutes / 60);
      minutes = minutes % 60;
      return hours + ":" + (minutes < 10 ? "0" : "") + minutes + ":" + (rest < 10 ? "0" : "") + rest;
    }
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function tick() {
    if (!timerNode || !startedAt) { return; }
    timerNode.hidden = false;
    timerNode.textContent = t("timer") + " " + elapsed();
  }

  function startCall() {
    if (startedAt || !timerNode) { return; }
    startedAt = Date.now();
    remember(startedAt);
    if (received && !receivedTouched) {
      try { received.value = beijingNow(); } catch (e) { /* keep the server's value */ }
    }
    tick();
  }

  if (received) {
    received.addEventListener("input", function () { receivedTouched = true; });
  }
  form.addEventListener("input", function (event) {
    if (event.target !== received) { startCall(); }
  });
  form.addEventListener("change", function (event) {
    if (event.target !== received) { startCall(); }
  });
  tick();
  window.setInterval(tick, 1000);

  /* ---- Alt+letter shortcuts, read from the fields' data-shortcut attributes ---- */
  var shortcuts = {};
  Array.prototype.forEach.call(form.querySelectorAll("[data-shortcut]"), function (input) {
    shortcuts["Key" + input.getAttribute("data-shortcut").toUpperCase()] = input;
  });

  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) { return; }
    var input = shortcuts[event.code];
    if (!input) { return; }
    event.preventDefault();
    if (input.type === "checkbox") {
      input.checked = !input.checked;
      input.dispatchEvent(new Event("change", { bubbles: true }));
      input.focus();
      return;
    }
    if (input.disabled) { return; }
    if (input === duration && !duration.value && startedAt) {
      duration.value = elapsed();
    }
    input.focus();
    if (typeof input.select === "function" && input.tagName !== "SELECT") { input.select(); }
  });

  /* ---- anonymous: no number, no name ---- */
  function syncAnonymous() {
    if (!anonymous) { return; }
    [phone, callerName].forEach(function (input) {
      if (!input) { return; }
      input.disabled = anonymous.checked;
      input.closest(".field").classList.toggle("is-disabled", anonymous.checked);
    });
  }

  if (anonymous) {
    anonymous.addEventListener("change", function () {
      syncAnonymous();
      scheduleLookup(0);
    });
    form.addEventListener("submit", function () {
      // Disabled inputs are not sent; send them empty, so an edit clears what was recorded before.
      if (!anonymous.checked) { return; }
      [phone, callerName].forEach(function (input) {
        if (input) { input.disabled = false; input.value = ""; }
      });
    });
  }

  /* ---- the live panel ---- */
  var lookupUrl = form.getAttribute("data-lookup-url");
  var exclude = form.getAttribute("data-exclude");
  var statusNode = document.getElementById("panel-status");
  var historySection = document.getElementById("panel-history");
  var historyTitle = document.getElementById("panel-history-title");
  var historyList = document.getElementById("panel-history-list");
  var dupSection = document.getElementById("panel-duplicates");
  var dupList = document.getElementById("panel-duplicates-list");
  var regionTouched = false;
  var timer = null;
  var lastQuery = null;
  var controller = null;

  var nameTouched = false;
  var nameFilled = false;
  if (region) {
    region.addEventListener("change", function () { regionTouched = true; });
  }
  if (callerName) {
    callerName.addEventListener("input", function () { nameTouched = true; });
  }

  function value(input) {
    return input && !input.disabled ? input.value.trim() : "";
  }

  function queryString() {
    var params = new URLSearchParams();
    params.set("phone", value(phone));
    params.set("accused_party", value(accused));
    params.set("patent_number", value(patent));
    if (exclude) { params.set("exclude", exclude); }
    return params.toString();
  }

  function scheduleLookup(delay) {
    if (!lookupUrl) { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(runLookup, delay);
  }

  function callItem(call, reasons) {
    var head = el("div", { "class": "hint-head" }, [
      el("a", { href: call.url, text: call.ref }),
      " · ",
      el("span", { "class": "nowrap", text: call.received_at }),
      " · " + call.request_type + " ",
      el("span", { "class": "badge badge-" + call.status, text: call.status_label })
    ]);
    var children = [head];
    if (reasons && reasons.length) {
      children.push(el("div", { "class": "reasons", text: reasons.join("; ") }));
    }
    var who = call.anonymous ? t("anonymous") : [call.caller_name, call.caller_number].filter(Boolean).join(" ");
    if (reasons && who) { children.push(el("div", { "class": "muted", text: who })); }
    children.push(el("div", { text: call.summary }));
    return el("li", reasons ? { "class": "dup" } : {}, children);
  }

  function setStatus(messages, isError) {
    statusNode.textContent = "";
    messages.forEach(function (message, index) {
      if (index) { statusNode.appendChild(el("br")); }
      statusNode.appendChild(document.createTextNode(message));
    });
    statusNode.classList.toggle("panel-error", !!isError);
  }

  function render(data) {
    var messages = [];
    var isError = false;
    if (data.phone && !data.phone.valid) {
      messages.push(t("phone_invalid") + " " + data.phone.error);
      isError = true;
    }
    if (data.patent && !data.patent.valid) {
      messages.push(t("patent_invalid") + " " + data.patent.error);
      isError = true;
    }
    if (data.region_hint) {
      var hintKey = data.region_hint.source === "earlier_calls" ? "region_hint_earlier" : "region_hint";
      messages.push(t(hintKey, { name: data.region_hint.name }));
      if (region && !regionTouched && !region.value) { region.value = data.region_hint.code; }
    }

    if (callerName && !nameTouched && !callerName.disabled) {
      if (data.known_name && (!callerName.value || nameFilled)) {
        callerName.value = data.known_name;
        nameFilled = true;
        messages.push(t("known_name"));
      } else if (!data.known_name && nameFilled) {
        callerName.value = "";
        nameFilled = false;
      }
    }

    historyList.textContent = "";
    if (data.phone && data.phone.valid) {
      historySection.hidden = false;
      if (data.history.total === 0) {
        historyTitle.textContent = t("first_call");
      } else {
        historyTitle.textContent = t("history_title", { count: data.history.total });
        data.history.calls.forEach(function (call) {
          // A possible duplicate among the earlier calls is listed here once, with its reasons.
          historyList.appendChild(callItem(call, call.reason_labels || null));
        });
        if (data.history.total > data.history.calls.length) {
          historyList.appendChild(el("li", { "class": "muted", text: t("history_more", {
            shown: data.history.calls.length, count: data.history.total }) }));
        }
      }
    } else {
      historySection.hidden = true;
    }

    dupList.textContent = "";
    var asked = value(phone) || value(accused) || value(patent);
    var flagged = data.history.calls.some(function (call) { return call.reasons && call.reasons.length; });
    if (data.duplicates.length) {
      dupSection.hidden = false;
      data.duplicates.forEach(function (call) { dupList.appendChild(callItem(call, call.reason_labels)); });
    } else {
      dupSection.hidden = true;
      if (asked && !isError && !flagged) { messages.push(t("no_duplicates")); }
    }
    if (!asked) { messages.push(t("idle")); }
    setStatus(messages, isError);
  }

  function runLookup() {
    var query = queryString();
    if (query === lastQuery) { return; }
    lastQuery = query;
    if (controller) { controller.abort(); }
    controller = typeof AbortController === "function" ? new AbortController() : null;
    setStatus([t("loading")], false);
    fetch(lookupUrl + "?" + query, {
      headers: { "Accept": "application/json" },
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (response.status === 401) { throw new Error("logged_out"); }
      if (response.status === 429) { throw new Error("throttled"); }
      if (!response.ok) { throw new Error("failed"); }
      return response.json();
    }).then(render).catch(function (error) {
      if (error && error.name === "AbortError") { return; }
      lastQuery = null;
      var known = error && (error.message === "logged_out" || error.message === "throttled");
      setStatus([t(known ? error.message : "failed")], true);
    });
  }

  [phone, accused, patent].forEach(function (input) {
    if (!input) { return; }
    input.addEventListener("input", function () { scheduleLookup(LOOKUP_DELAY_MS); });
    input.addEventListener("blur", function () { scheduleLookup(0); });
  });

  syncAnonymous();
  if (value(phone) || value(accused) || value(patent)) { scheduleLookup(0); }

  /* ---- the switch's ringing call (CTI) ----
   * The page asks data-ringing-url every RINGING_POLL_MS for the calls the switch rings on this agent. The newest
   * shows above the panel with its number, and the number's earlier calls fill the panel before the agent picks
   * up; "Pick up" (Alt+P) puts the number and the switch's call id into the form and starts the call. */
  var ringingUrl = form.getAttribute("data-ringing-url");
  var ctiField = field("cti_call_id");
  var ringingPanel = document.getElementById("cti-ringing");
  var RINGING_POLL_MS = 1500;
  var ringingShown = null;
  var historyShownFor = null;
  var pickedUp = null;

  function showRinging(item) {
    if (!item) {
      ringingPanel.hidden = true;
      ringingShown = null;
      return;
    }
    var number = (item.phone && item.phone.display) || t("cti_withheld");
    document.getElementById("cti-ringing-title").textContent =
      t(item.state === "answered" ? "cti_answered" : "cti_ringing", { number: number });
    document.getElementById("cti-ringing-since").textContent = item.rang_at;
    ringingPanel.setAttribute("data-cti-call-id", item.cti_call_id);
    ringingPanel.hidden = false;
    ringingShown = item;
    if (item.lookup_url && historyShownFor !== item.cti_call_id && !value(phone)) {
      // The number's earlier calls, in the side panel, before the agent picks up.
      historyShownFor = item.cti_call_id;
      fetch(item.lookup_url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("failed"); }
          return response.json();
        }).then(render).catch(function () { historyShownFor = null; });
    }
  }

  function pickUp() {
    if (!ringingShown) { return; }
    var item = ringingShown;
    pickedUp = item.cti_call_id;
    if (ctiField) { ctiField.value = item.cti_call_id; }
    if (phone && !phone.disabled && item.caller_phone) { phone.value = item.caller_phone; }
    showRinging(null);
    startCall();
    scheduleLookup(0);
    setStatus([t("cti_picked")], false);
    var next = callerName && !callerName.disabled ? callerName : phone;
    if (next) { next.focus(); }
  }

  function pollRinging() {
    var stop = false;
    fetch(ringingUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        // Logged out (or the session timed out: the poll itself is no activity): stop asking.
        if (response.status === 401 || response.status === 403) { stop = true; }
        if (!response.ok) { throw new Error("failed"); }
        return response.json();
      }).then(function (data) {
        var items = (data.items || []).filter(function (item) {
          return item.cti_call_id !== pickedUp && !(ctiField && ctiField.value === item.cti_call_id);
        });
        showRinging(items[0] || null);
      }).catch(function () { /* the next poll tries again */ })
      .then(function () {
        if (stop) { showRinging(null); return; }
        window.setTimeout(pollRinging, RINGING_POLL_MS);
      });
  }

  if (ringingUrl && ringingPanel) {
    document.getElementById("cti-pickup").addEventListener("click", pickUp);
    document.addEventListener("keydown", function (event) {
      if (event.altKey && !event.ctrlKey && !event.metaKey && event.code === "KeyP" && ringingShown) {
        event.preventDefault();
        pickUp();
      }
    });
    pollRinging();
  }

  /* ---- standard answers matching the summary ---- */
  var suggestUrl = form.getAttribute("data-suggest-url");
  var summary = field("summary");
  var answerText = field("answer_text");
  var answerId = field("answer_id");
  var answerSource = document.getElementById("answer-source");
  var answerStatus = document.getElementById("answer-status");
  var answerList = document.getElementById("answer-list");
  var suggestions = [];
  var suggestTimer = null;
  var lastSummary = null;
  var suggestController = null;

  function showSource() {
    if (!answerSource) { return; }
    answerSource.hidden = !(answerId && answerId.value);
    if (answerId && answerId.value) { answerSource.textContent = t("answer_from", { id: answerId.value }); }
  }

  function insertAnswer(index) {
    var item = suggestions[index];
    if (!item || !answerText) { return; }
    answerText.value = item.answer;
    if (answerId) { answerId.value = String(item.id); }
    showSource();
    startCall();
    answerText.focus();
  }

  function renderSuggestions(items) {
    suggestions = items.slice(0, 5);
    answerList.textContent = "";
    suggestions.forEach(function (item, index) {
      var button = el("button", { type: "button", "class": "btn btn-small", "data-index": String(index),
                                  "aria-keyshortcuts": "Alt+" + (index + 1), tabindex: "-1",
                                  text: t("answer_insert") + " (Alt+" + (index + 1) + ")" });
      button.addEventListener("click", function () { insertAnswer(index); });
      answerList.appendChild(el("li", { "class": "answer-suggestion" }, [
        el("div", { "class": "hint-head" }, [el("kbd", { text: String(index + 1) }), " ",
          el("a", { href: item.url, target: "_blank", rel: "noopener", tabindex: "-1", text: item.question })]),
        el("div", { "class": "muted", text: item.category + " · " + item.basis }),
        el("div", { "class": "answer-text", text: item.answer }),
        button
      ]));
    });
    answerStatus.textContent = suggestions.length ? t("answers_hint") : t(value(summary) ? "answers_none" : "answers_idle");
  }

  function runSuggest() {
    var q = value(summary);
    if (q === lastSummary) { return; }
    lastSummary = q;
    if (!q) { renderSuggestions([]); return; }
    if (suggestController) { suggestController.abort(); }
    suggestController = typeof AbortController === "function" ? new AbortController() : null;
    fetch(suggestUrl + "?" + new URLSearchParams({ q: q }).toString(), {
      headers: { "Accept": "application/json" },
      credentials: "same-origin",
      signal: suggestController ? suggestController.signal : undefined
    }).then(function (response) {
      if (!response.ok) { throw new Error(response.status === 401 ? "logged_out" : "failed"); }
      return response.json();
    }).then(function (data) { renderSuggestions(data.items || []); }).catch(function (error) {
      if (error && error.name === "AbortError") { return; }
      lastSummary = null;
      answerStatus.textContent = t(error && error.message === "logged_out" ? "logged_out" : "failed");
    });
  }

  if (suggestUrl && summary && answerList) {
    summary.addEventListener("input", function () {
      window.clearTimeout(suggestTimer);
      suggestTimer = window.setTimeout(runSuggest, LOOKUP_DELAY_MS);
    });
    summary.addEventListener("blur", function () { window.clearTimeout(suggestTimer); runSuggest(); });
    document.addEventListener("keydown", function (event) {
      if (!event.altKey || event.ctrlKey || event.metaKey) { return; }
      var match = /^Digit([1-5])$/.exec(event.code || "");
      if (!match || !suggestions[Number(match[1]) - 1]) { return; }
      event.preventDefault();
      insertAnswer(Number(match[1]) - 1);
    });
    if (answerText && answerId) {
      answerText.addEventListener("input", function () {
        // Emptied: no standard answer any more. Edited: still the one it started from (the call keeps its version).
        if (!answerText.value.trim()) { answerId.value = ""; showSource(); }
      });
    }
    if (value(summary)) { runSuggest(); }
  }
}());
