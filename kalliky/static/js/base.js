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

  // On a phone the header's links and controls fold behind the Menu button. Escape closes the
  // menu and gives the focus back to the button; on a wide screen the button is hidden by CSS
  // and the menu's items sit in the header's row as before (lg:contents).
  var menuButton = document.getElementById("menu-toggle");
  var menu = menuButton && document.getElementById(menuButton.getAttribute("aria-controls"));
  if (menu) {
    var setOpen = function (open) {
      menuButton.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("hidden", !open);
      menu.classList.toggle("flex", open);
    };
    menuButton.addEventListener("click", function () {
      setOpen(menuButton.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menuButton.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        menuButton.focus();
      }
    });
  }
})();
