// Tells readers who opened the site from disk why calculators do not recompute
// and why exercises cannot check answers.
//
// Chromium and Firefox do not run module scripts from file:// pages, so the
// loader and exercise modules never start there. This classic script still runs,
// replaces the build-time status line of every calculator with the reason and the
// fix, and says under every exercise where its answer is.
(function () {
  "use strict";

  if (window.location.protocol !== "file:") {
    return;
  }
  var message =
    "This page was opened from disk, where browsers do not run the calculator's scripts. " +
    "The table shows the result computed when the site was built. To recompute, serve the site " +
    "over http, for example with `python -m http.server` in the site folder, and open it from there.";

  var exerciseMessage =
    "This page was opened from disk, so answers cannot be checked here: compare yours with " +
    "Show answer below, or serve the site over http to check it in the page.";

  function showNotice() {
    var statuses = document.querySelectorAll(".rf-calculator__status");
    for (var index = 0; index < statuses.length; index += 1) {
      statuses[index].textContent = message;
      statuses[index].classList.add("rf-calculator__status--error");
    }
    var results = document.querySelectorAll(".rf-exercise__result");
    for (var position = 0; position < results.length; position += 1) {
      results[position].textContent = exerciseMessage;
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", showNotice);
  } else {
    showNotice();
  }
})();
