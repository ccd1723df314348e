// Behaviour shared by every page. The theme itself is applied before paint by the inline
// script in base.html; this file wires the controls once the page is parsed.
(function () {
  "use strict";
  var root = document.documentElement;

  // Dark/light toggle, remembered in localStorage.
  var toggle = document.getElementById("theme-toggle");
  if (toggle) {
    var sync = function () {
      toggle.setAttribute("aria-pressed", root.classList.contains("dark") ? "true" : "false");
    };
    toggle.addEventListener("click", function () {
      var dark = root.classList.toggle("dark");
      try {
        localStorage.setItem("kalliky-theme", dark ? "dark" : "light");
      } catch (e) {
        // Storage refused (private mode): the toggle still works for this page.
      }
      sync();
    });
    sync();
  }

})();
