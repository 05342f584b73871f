// The worker's pages: the quick exit. Leaves for a neutral site and replaces
// this page in the browser's history, so "Back" does not come back to it.
// Without JavaScript the link still leaves (the page stays in the history).
(function () {
  "use strict";
  function leave(event) {
    var link = document.getElementById("quick-exit");
    if (!link) return;
    if (event) event.preventDefault();
    try {
      document.title = "";
      document.body.hidden = true;
    } catch (e) {
      /* leave anyway */
    }
    window.location.replace(link.href);
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#quick-exit");
    if (link) leave(event);
  });
  // Escape twice in a row, quickly: leave without looking for the button.
  var last = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var now = Date.now();
    if (now - last < 800) leave(event);
    last = now;
  });
})();
