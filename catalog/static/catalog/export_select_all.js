// django-import-export's export page ticks "Select all" through an inline onchange= attribute,
// which the Content-Security-Policy refuses to run (docs/security.md). The same handler, bound here.
"use strict";
document.addEventListener("change", (event) => {
  if (event.target.matches("input.select-toggle") && typeof window.onSelectToggleChange === "function") {
    window.onSelectToggleChange(event);
  }
});
