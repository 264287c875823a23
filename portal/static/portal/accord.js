// Accord's own behaviour beside htmx. The Content-Security-Policy allows no inline script and no
// eval, so what a page needs is here, bound by data- attributes (docs/security.md).
"use strict";

// An element polled by htmx with data-paused-unless="<checkbox id>" skips its request while
// that box is unticked (the warnings board's "refresh every minute"). Each skipped turn is
// counted in its data-paused-skips: the page's own signal that a turn came and asked nothing
// (what the browser tests wait on, instead of time).
document.addEventListener("htmx:confirm", (event) => {
  const boxId = event.target.dataset && event.target.dataset.pausedUnless;
  if (!boxId) return;
  const box = document.getElementById(boxId);
  if (box && !box.checked) {
    event.preventDefault();
    event.target.dataset.pausedSkips = String(Number(event.target.dataset.pausedSkips || 0) + 1);
  }
});

// htmx wires the page on DOMContentLoaded, then fires htmx:load on <body>. Until then a change
// or a click on an hx- element does nothing, so the page says when it is live: <html
// data-htmx-ready>. Browser tests wait on it after a navigation they did not make with goto().
document.addEventListener("htmx:load", (event) => {
  if (event.target === document.body) document.documentElement.dataset.htmxReady = "true";
});
