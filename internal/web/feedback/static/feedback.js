/*
 * Atrium feedback widget. Include this script once on a page:
 *
 *   <script src="https://atrium.example.org/static/feedback.js" defer></script>
 *
 * and place an element next to each answer of your model:
 *
 *   <div data-atrium-feedback="https://atrium.example.org/f/atrf_…" data-prediction="PREDICTION-ID">
 *     <form method="get" action="https://atrium.example.org/f/atrf_…" target="_blank">
 *       <input type="hidden" name="prediction" value="PREDICTION-ID">
 *       <button type="submit">Give feedback on this answer</button>
 *     </form>
 *   </div>
 *
 * The script replaces the element's content (the form, for browsers without
 * JavaScript) with Atrium's compact feedback widget in an iframe. Optional
 * attributes: data-title (the iframe's accessible name) and data-height
 * (its starting height in pixels). Call AtriumFeedback.scan() after adding
 * elements to the page later. Inside the widget itself the same script
 * reports the widget's height, so the iframe grows when a form opens.
 */
(function () {
  "use strict";

  var frames = [];

  // Inside Atrium's widget: tell the page that frames it how tall it is.
  if (document.documentElement.hasAttribute("data-atrium-embed")) {
    var report = function () {
      if (window.parent !== window) {
        window.parent.postMessage({ atriumFeedbackHeight: Math.ceil(document.documentElement.scrollHeight) }, "*");
      }
    };
    window.addEventListener("load", report);
    document.addEventListener("toggle", report, true);
    if (window.ResizeObserver) {
      new ResizeObserver(report).observe(document.documentElement);
    }
    return;
  }

  function widgetURL(link, prediction) {
    var u;
    try {
      u = new URL(link, document.baseURI);
    } catch (e) {
      return null;
    }
    var m = /^(.*\/f\/[^\/?#]+)\/?$/.exec(u.pathname);
    if (!m || (u.protocol !== "https:" && u.protocol !== "http:")) {
      return null;
    }
    var src = u.origin + m[1] + "/embed";
    if (prediction) {
      src += "?prediction=" + encodeURIComponent(prediction);
    }
    return src;
  }

  function mount(el) {
    if (el.getAttribute("data-atrium-mounted") === "1") {
      return;
    }
    var src = widgetURL(el.getAttribute("data-atrium-feedback") || "", el.getAttribute("data-prediction") || "");
    if (!src) {
      return;
    }
    var f = document.createElement("iframe");
    f.src = src;
    f.title = el.getAttribute("data-title") || "Feedback on this answer";
    f.loading = "lazy";
    f.style.border = "0";
    f.style.width = "100%";
    f.style.height = (parseInt(el.getAttribute("data-height"), 10) || 150) + "px";
    el.textContent = "";
    el.appendChild(f);
    el.setAttribute("data-atrium-mounted", "1");
    frames.push(f);
  }

  function scan() {
    var els = document.querySelectorAll("[data-atrium-feedback]");
    for (var i = 0; i < els.length; i++) {
      mount(els[i]);
    }
  }

  window.addEventListener("message", function (e) {
    var h = e.data && e.data.atriumFeedbackHeight;
    if (typeof h !== "number" || h <= 0 || h > 2000) {
      return;
    }
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === e.source) {
        frames[i].style.height = h + "px";
      }
    }
  });

  window.AtriumFeedback = { scan: scan };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", scan);
  } else {
    scan();
  }
})();
