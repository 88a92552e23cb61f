/* The top bar: "/" focuses the number search box from anywhere but a text field (as on most sites). */
(function () {
  "use strict";
  var box = document.getElementById("topsearch-q");
  if (!box) { return; }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) { return; }
    event.preventDefault();
    box.focus();
    box.select();
  });
}());
