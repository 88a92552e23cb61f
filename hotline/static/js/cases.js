/* Cases UI: small conveniences on top of forms that work without JavaScript.
 *
 * Loaded as an external file (the CSP allows scripts from 'self' only).
 * - form[data-hotkeys]: Ctrl+Enter (⌘+Enter) submits the form the focus is in; a second submit while the
 *   first is on its way is ignored;
 * - form[data-failed]: the form the server sent back with errors is scrolled into view and its first invalid
 *   field focused;
 * - the close form: blocks marked data-outcomes="a b" show only for those outcomes (all show without JS).
 */
(function () {
  "use strict";

  function submitForm(form) {
    if (form.dataset.submitting) { return; }
    var button = form.querySelector("button[type=submit]");
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(button || undefined);
    } else if (button) {
      button.click();
    } else {
      form.submit();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.altKey) { return; }
    var form = event.target && event.target.closest ? event.target.closest("form[data-hotkeys]") : null;
    if (!form) { return; }
    event.preventDefault();
    submitForm(form);
  });

  document.querySelectorAll("form[data-hotkeys]").forEach(function (form) {
    form.addEventListener("submit", function () {
      window.setTimeout(function () {
        form.dataset.submitting = "1";
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-hotkeys]").forEach(function (form) {
      delete form.dataset.submitting;
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
    });
  });

  var failed = document.querySelector("form[data-failed]");
  if (failed) {
    failed.scrollIntoView({ block: "start" });
    var invalid = failed.querySelector("[aria-invalid=true], .has-error input, .has-error select, .has-error textarea");
    if (invalid && typeof invalid.focus === "function") { invalid.focus({ preventScroll: true }); }
  }

  document.querySelectorAll("form.close-form").forEach(function (form) {
    var outcome = form.querySelector("select[name$='outcome']");
    if (!outcome) { return; }
    var blocks = form.querySelectorAll("[data-outcomes]");
    function sync() {
      blocks.forEach(function (block) {
        var wanted = block.getAttribute("data-outcomes").split(" ");
        // A block with errors stays visible so the message is never hidden.
        var keep = block.querySelector(".has-error") !== null;
        block.hidden = !keep && wanted.indexOf(outcome.value) === -1;
      });
    }
    outcome.addEventListener("change", sync);
    sync();
  });
}());
