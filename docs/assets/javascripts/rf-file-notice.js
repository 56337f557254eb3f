// Tells readers who opened the site from disk why calculators do not recompute.
//
// Chromium and Firefox do not run module scripts from file:// pages, so the
// loader module never starts there. This classic script still runs and replaces
// the build-time status line of every calculator with the reason and the fix.
(function () {
  "use strict";

  if (window.location.protocol !== "file:") {
    return;
  }
  var message =
    "This page was opened from disk, where browsers do not run the calculator's scripts. " +
    "The table shows the result computed when the site was built. To recompute, serve the site " +
    "over http, for example with `python -m http.server` in the site folder, and open it from there.";

  function showNotice() {
    var statuses = document.querySelectorAll(".rf-calculator__status");
    for (var index = 0; index < statuses.length; index += 1) {
      statuses[index].textContent = message;
      statuses[index].classList.add("rf-calculator__status--error");
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", showNotice);
  } else {
    showNotice();
  }
})();
